package io.memflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** The renderer's kustomize semantics, and its refusal of everything it does not implement. */
class KustomizeTest {

    @TempDir Path tmp;

    private static final String KUSTOMIZATION =
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
    private static final String DEPLOYMENT =
            """
            apiVersion: flink.apache.org/v1beta1
            kind: FlinkDeployment
            metadata:
              name: job
            spec:
              flinkConfiguration:
                a: "1"
                b: "2"
              podTemplate:
                spec:
                  volumes: [{name: x}, {name: y}]
            """;

    private void write(String path, String text) throws IOException {
        Path p = tmp.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private void base() throws IOException {
        write("base/kustomization.yaml", KUSTOMIZATION + "resources: [job.yaml]\n");
        write("base/job.yaml", DEPLOYMENT);
    }

    @Test
    void patchMergesMapsReplacesListsAndNullDeletes() throws IOException {
        base();
        write(
                "overlay/kustomization.yaml",
                KUSTOMIZATION + "namespace: ns\nresources: [../base]\npatches: [{path: p.yaml}]\n");
        write(
                "overlay/p.yaml",
                """
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata: {name: job}
                spec:
                  flinkConfiguration: {a: null, c: "3"}
                  podTemplate: {spec: {volumes: [{name: z}]}}
                """);
        List<ObjectNode> out = Kustomize.render(tmp.resolve("overlay"));
        assertThat(out).hasSize(1);
        ObjectNode r = out.get(0);
        assertThat(r.path("metadata").path("namespace").asString()).isEqualTo("ns");
        assertThat(r.path("spec").path("flinkConfiguration").propertyNames())
                .containsExactlyInAnyOrder("b", "c");
        assertThat(r.path("spec").path("podTemplate").path("spec").path("volumes").size())
                .isEqualTo(1);
    }

    @Test
    void targetedPatchAppliesToEveryMatchAndIgnoresItsOwnName() throws IOException {
        write("base/kustomization.yaml", KUSTOMIZATION + "resources: [t.yaml]\n");
        write(
                "base/t.yaml",
                """
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaTopic
                metadata: {name: one}
                spec: {partitions: 1}
                ---
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaTopic
                metadata: {name: two}
                spec: {partitions: 1}
                """);
        write(
                "overlay/kustomization.yaml",
                KUSTOMIZATION
                        + "resources: [../base]\npatches: [{path: p.yaml, target: {kind: KafkaTopic}}]\n");
        write(
                "overlay/p.yaml",
                "apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: {name: any}\nspec: {partitions: 5}\n");
        List<ObjectNode> out = Kustomize.render(tmp.resolve("overlay"));
        assertThat(out)
                .extracting(r -> r.path("metadata").path("name").asString())
                .containsExactly("one", "two");
        assertThat(out)
                .allSatisfy(
                        r -> assertThat(r.path("spec").path("partitions").asInt()).isEqualTo(5));
    }

    @Test
    void componentAddsResourcesAndPatchesTheParent() throws IOException {
        base();
        write(
                "comp/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                        + "patches: [{path: p.yaml}]\n");
        write(
                "comp/p.yaml",
                "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: job}\n"
                        + "spec: {flinkConfiguration: {m: x}}\n");
        write(
                "overlay/kustomization.yaml",
                KUSTOMIZATION + "resources: [../base]\ncomponents: [../comp]\n");
        ObjectNode r = Kustomize.render(tmp.resolve("overlay")).get(0);
        assertThat(r.path("spec").path("flinkConfiguration").path("m").asString()).isEqualTo("x");
    }

    @Test
    void unknownKustomizationFieldIsRejected() throws IOException {
        base();
        write(
                "overlay/kustomization.yaml",
                KUSTOMIZATION + "resources: [../base]\nimages: [{name: memflow, newTag: x}]\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("overlay")))
                .isInstanceOf(Kustomize.Unsupported.class)
                .hasMessageContaining("images");
    }

    @Test
    void patchDirectivesAndJson6902AreRejected() throws IOException {
        base();
        write(
                "overlay/kustomization.yaml",
                KUSTOMIZATION + "resources: [../base]\npatches: [{path: p.yaml}]\n");
        write(
                "overlay/p.yaml",
                "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: job}\n"
                        + "spec: {podTemplate: {spec: {volumes: [{name: x, $patch: delete}]}}}\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("overlay")))
                .isInstanceOf(Kustomize.Unsupported.class);
        write("overlay/p.yaml", "- op: replace\n  path: /spec/image\n  value: x\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("overlay")))
                .isInstanceOf(Kustomize.Unsupported.class);
    }

    @Test
    void patchThatMatchesNothingFails() throws IOException {
        base();
        write(
                "overlay/kustomization.yaml",
                KUSTOMIZATION + "resources: [../base]\npatches: [{path: p.yaml}]\n");
        write(
                "overlay/p.yaml",
                "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: other}\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("overlay")))
                .hasMessageContaining("matches 0");
    }

    @Test
    void generatorNeedsAStableNameAndFilesInsideTheRoot() throws IOException {
        write("shared.json", "{}");
        write("gen/d.json", "{}");
        write(
                "gen/kustomization.yaml",
                KUSTOMIZATION + "configMapGenerator: [{name: d, files: [d.json]}]\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("gen")))
                .isInstanceOf(Kustomize.Unsupported.class)
                .hasMessageContaining("disableNameSuffixHash");
        write(
                "gen/kustomization.yaml",
                KUSTOMIZATION
                        + "configMapGenerator: [{name: d, files: [../shared.json],"
                        + " options: {disableNameSuffixHash: true}}]\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("gen")))
                .isInstanceOf(Kustomize.Unsupported.class)
                .hasMessageContaining("outside");
    }

    @Test
    void listPatchOnBuiltInKindIsRejected() throws IOException {
        write("base/kustomization.yaml", KUSTOMIZATION + "resources: [pvc.yaml]\n");
        write(
                "base/pvc.yaml",
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: m}\n"
                        + "spec: {accessModes: [ReadOnlyMany]}\n");
        write(
                "overlay/kustomization.yaml",
                KUSTOMIZATION + "resources: [../base]\npatches: [{path: p.yaml}]\n");
        write(
                "overlay/p.yaml",
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: m}\n"
                        + "spec: {accessModes: [ReadWriteOnce]}\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("overlay")))
                .isInstanceOf(Kustomize.Unsupported.class)
                .hasMessageContaining("built-in");
    }

    @Test
    void duplicateResourcesFail() throws IOException {
        base();
        write("dup/kustomization.yaml", KUSTOMIZATION + "resources: [../base, ../base/job.yaml]\n");
        assertThatThrownBy(() -> Kustomize.render(tmp.resolve("dup")))
                .hasMessageContaining("duplicate");
    }
}
