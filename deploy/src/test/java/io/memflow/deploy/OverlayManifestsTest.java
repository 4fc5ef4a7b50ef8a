package io.memflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders every overlay under deploy/k8s/overlays with kustomize semantics and validates each
 * resource against the CRD schemas in shared/data/k8s-crds, then checks the deployment invariants a
 * schema cannot express (exactly-once timing, replication, durable paths, secrets by reference).
 */
class OverlayManifestsTest {

    private static final int MAX_PARALLELISM = 128;

    /** transaction.timeout.ms of the job's Kafka producers. */
    private static final Duration PRODUCER_TRANSACTION_TIMEOUT = Duration.ofMinutes(5);

    private static CrdSchemas crds;

    @BeforeAll
    static void loadCrds() {
        crds = CrdSchemas.load(Repo.crds());
    }

    static Stream<Path> overlays() {
        return Repo.overlays().stream();
    }

    @Test
    void overlaysExist() {
        assertThat(Repo.overlays())
                .extracting(p -> p.getFileName().toString())
                .contains("dev", "prod");
    }

    @Test
    void manifestsUseTheApiVersionsTheCrdsServe() {
        // the issue asks for kafka.strimzi.io/v1; Strimzi 1.2 serves only that version
        assertThat(crds.servedVersions("kafka.strimzi.io", "Kafka"))
                .containsExactly("kafka.strimzi.io/v1");
        assertThat(crds.servedVersions("kafka.strimzi.io", "KafkaTopic"))
                .containsExactly("kafka.strimzi.io/v1");
        assertThat(crds.servedVersions("flink.apache.org", "FlinkDeployment"))
                .containsExactly("flink.apache.org/v1beta1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyResourceIsValidAgainstItsSchema(Path overlay) {
        Manifests m = Manifests.render(overlay);
        assertThat(m.resources()).isNotEmpty();
        List<String> problems = new ArrayList<>();
        for (ObjectNode r : m.resources()) {
            problems.addAll(crds.validate(r));
        }
        assertThat(problems).as("schema problems in overlay " + m.overlay()).isEmpty();
        assertThat(m.resources())
                .extracting(r -> Kustomize.text(r, "kind"))
                .contains(
                        "FlinkDeployment",
                        "Kafka",
                        "KafkaNodePool",
                        "KafkaTopic",
                        "KafkaUser",
                        "ConfigMap");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyResourceIsInTheOverlayNamespace(Path overlay) {
        Manifests m = Manifests.render(overlay);
        String ns = "memflow-" + m.overlay();
        assertThat(m.resources())
                .allSatisfy(
                        r ->
                                assertThat(Kustomize.text(r.path("metadata"), "namespace"))
                                        .as(Kustomize.id(r))
                                        .isEqualTo(ns));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void flinkDeploymentRunsTheJobAsDesigned(Path overlay) {
        Manifests m = Manifests.render(overlay);
        JsonNode spec = m.flinkDeployment().path("spec");
        // older operators only took string values, and a YAML number or boolean is easy to miss
        for (Map.Entry<String, JsonNode> e : m.flinkConfiguration().properties()) {
            assertThat(e.getValue().isString())
                    .as("flinkConfiguration %s must be a quoted string", e.getKey())
                    .isTrue();
        }
        assertThat(spec.path("mode").asString()).isEqualTo("native");
        assertThat(spec.path("job").path("upgradeMode").asString()).isEqualTo("savepoint");
        assertThat(spec.path("job").path("state").asString()).isEqualTo("running");
        assertThat(spec.path("job").path("parallelism").asInt()).isBetween(1, MAX_PARALLELISM);

        assertThat(m.flinkConf("env.java.opts.all"))
                .contains("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.memflow.schemas")
                .contains("--add-modules jdk.incubator.vector")
                .contains("--enable-native-access=ALL-UNNAMED");
        assertThat(m.flinkConf("pipeline.generic-types")).isEqualTo("false");
        assertThat(m.flinkConf("pipeline.max-parallelism")).isEqualTo("" + MAX_PARALLELISM);
        assertThat(m.flinkConf("state.backend.type")).isEqualTo("rocksdb");
        assertThat(m.flinkConf("execution.checkpointing.incremental")).isEqualTo("true");
        assertThat(m.flinkConf("execution.checkpointing.mode")).isEqualTo("EXACTLY_ONCE");
        assertThat(m.flinkConf("high-availability.type")).isEqualTo("kubernetes");
        assertThat(m.flinkConf("metrics.reporter.prom.factory.class"))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        for (String key :
                List.of(
                        "execution.checkpointing.dir",
                        "execution.checkpointing.savepoint-dir",
                        "high-availability.storageDir")) {
            assertThat(m.flinkConf(key))
                    .as("%s must be on durable storage, set per overlay", key)
                    .startsWith("s3://memflow-" + m.overlay() + "/")
                    .doesNotContain("CHANGE-ME");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void checkpointsCommitKafkaTransactionsBeforeTheyTimeOut(Path overlay) {
        Manifests m = Manifests.render(overlay);
        Duration interval = FlinkDurations.parse(m.flinkConf("execution.checkpointing.interval"));
        Duration timeout = FlinkDurations.parse(m.flinkConf("execution.checkpointing.timeout"));
        // a transaction opened right after one checkpoint is committed when the next completes:
        // if that can take longer than the producers' timeout, the broker aborts committed work
        assertThat(interval.plus(timeout)).isLessThan(PRODUCER_TRANSACTION_TIMEOUT);
        long brokerMax =
                m.single("Kafka")
                        .path("spec")
                        .path("kafka")
                        .path("config")
                        .path("transaction.max.timeout.ms")
                        .asLong(900_000);
        assertThat(brokerMax).isGreaterThanOrEqualTo(PRODUCER_TRANSACTION_TIMEOUT.toMillis());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void kafkaReplicationFitsTheCluster(Path overlay) {
        Manifests m = Manifests.render(overlay);
        ObjectNode kafka = m.single("Kafka");
        String cluster = Kustomize.text(kafka.path("metadata"), "name");
        int brokers = 0;
        for (ObjectNode pool : m.ofKind("KafkaNodePool")) {
            assertThat(pool.path("metadata").path("labels").path("strimzi.io/cluster").asString())
                    .isEqualTo(cluster);
            List<String> roles = new ArrayList<>();
            pool.path("spec").path("roles").values().forEach(r -> roles.add(r.asString()));
            if (roles.contains("broker")) {
                brokers += pool.path("spec").path("replicas").asInt();
            }
        }
        assertThat(brokers).as("broker nodes").isPositive();
        JsonNode config = kafka.path("spec").path("kafka").path("config");
        int minIsr = config.path("min.insync.replicas").asInt(1);
        for (String key :
                List.of(
                        "default.replication.factor",
                        "offsets.topic.replication.factor",
                        "transaction.state.log.replication.factor")) {
            assertThat(config.path(key).asInt()).as(key).isBetween(1, brokers);
        }
        assertThat(config.path("transaction.state.log.min.isr").asInt())
                .isLessThanOrEqualTo(
                        config.path("transaction.state.log.replication.factor").asInt());
        for (ObjectNode topic : m.ofKind("KafkaTopic")) {
            String name = Manifests.topicName(topic);
            assertThat(topic.path("metadata").path("labels").path("strimzi.io/cluster").asString())
                    .as(name)
                    .isEqualTo(cluster);
            int replicas = topic.path("spec").path("replicas").asInt();
            assertThat(replicas).as(name + " replicas").isBetween(1, brokers);
            // acks=all with fewer in-sync replicas than min.insync.replicas blocks every write
            assertThat(minIsr).as(name + " min.insync.replicas").isLessThanOrEqualTo(replicas);
            assertThat(topic.path("spec").path("partitions").asInt())
                    .as(name + " partitions")
                    .isBetween(1, MAX_PARALLELISM);
        }
        for (ObjectNode user : m.ofKind("KafkaUser")) {
            assertThat(user.path("metadata").path("labels").path("strimzi.io/cluster").asString())
                    .isEqualTo(cluster);
        }
        String bootstrap = m.flinkConf("memflow.kafka.bootstrap-servers");
        assertThat(bootstrap).startsWith(cluster + "-kafka-bootstrap:");
        int port = Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1));
        assertThat(kafka.path("spec").path("kafka").path("listeners").values())
                .anySatisfy(l -> assertThat(l.path("port").asInt()).isEqualTo(port));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyConfiguredTopicIsDeclared(Path overlay) {
        Manifests m = Manifests.render(overlay);
        List<String> keys =
                m.flinkConfiguration().propertyNames().stream()
                        .filter(k -> k.startsWith("memflow.topics."))
                        .toList();
        assertThat(keys).hasSize(7);
        for (String key : keys) {
            m.topic(m.flinkConf(key));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void credentialsAreReferencedNeverInlined(Path overlay) {
        Manifests m = Manifests.render(overlay);
        assertThat(m.ofKind("Secret")).as("Secrets are created outside git").isEmpty();
        for (ObjectNode r : m.resources()) {
            String text = r.toString().toLowerCase();
            assertThat(text).as(Kustomize.id(r)).doesNotContain("sasl.jaas.config");
            assertThat(text).as(Kustomize.id(r)).doesNotContain("password=");
            assertThat(text).as(Kustomize.id(r)).doesNotContain("aws_secret_access_key");
        }
        // the client properties file the job reads must come from a mounted Secret
        String propertiesFile = m.flinkConf("memflow.kafka.properties-file");
        JsonNode pod = m.flinkDeployment().path("spec").path("podTemplate").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("name").asString()).isEqualTo("flink-main-container");
        JsonNode mount = null;
        for (JsonNode vm : container.path("volumeMounts").values()) {
            if (propertiesFile.startsWith(vm.path("mountPath").asString() + "/")) {
                mount = vm;
            }
        }
        assertThat(mount).as("a volume mount holding " + propertiesFile).isNotNull();
        String volume = mount.path("name").asString();
        assertThat(pod.path("volumes").values())
                .filteredOn(v -> volume.equals(v.path("name").asString()))
                .singleElement()
                .satisfies(
                        v ->
                                assertThat(v.path("secret").path("secretName").asString())
                                        .isNotEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void modelVolumeIsMountedWhereTheModelPathPoints(Path overlay) {
        Manifests m = Manifests.render(overlay);
        String modelPath = m.flinkConf("memflow.inference.model-path");
        if (modelPath == null) {
            // the model is optional: without it the job runs extractive, so no volume either
            assertThat(m.ofKind("PersistentVolumeClaim")).isEmpty();
            return;
        }
        JsonNode tm = m.flinkDeployment().path("spec").path("taskManager").path("podTemplate");
        JsonNode container = tm.path("spec").path("containers").get(0);
        assertThat(container.path("name").asString()).isEqualTo("flink-main-container");
        assertThat(container.path("volumeMounts").values())
                .anySatisfy(
                        vm ->
                                assertThat(modelPath)
                                        .startsWith(vm.path("mountPath").asString() + "/"));
        String claim =
                tm.path("spec")
                        .path("volumes")
                        .get(0)
                        .path("persistentVolumeClaim")
                        .path("claimName")
                        .asString();
        assertThat(m.ofKind("PersistentVolumeClaim"))
                .extracting(p -> Kustomize.text(p.path("metadata"), "name"))
                .contains(claim);
        assertThat(m.flinkConf("kubernetes.operator.pod-template.merge-arrays-by-name"))
                .isEqualTo("true");
    }

    // ---- a broken manifest must fail ----

    @Test
    void wrongTypeForParallelismFails() {
        ObjectNode fd = Manifests.render(Repo.k8s().resolve("overlays/dev")).flinkDeployment();
        ((ObjectNode) fd.path("spec").path("job")).put("parallelism", "two");
        assertThat(crds.validate(fd)).anyMatch(p -> p.contains("parallelism"));
    }

    @Test
    void unknownUpgradeModeFails() {
        ObjectNode fd = Manifests.render(Repo.k8s().resolve("overlays/dev")).flinkDeployment();
        ((ObjectNode) fd.path("spec").path("job")).put("upgradeMode", "rolling");
        assertThat(crds.validate(fd)).anyMatch(p -> p.contains("upgradeMode"));
    }

    @Test
    void misspeltFieldFails() {
        ObjectNode fd = Manifests.render(Repo.k8s().resolve("overlays/dev")).flinkDeployment();
        ((ObjectNode) fd.path("spec").path("job")).put("upgradeMod", "savepoint");
        assertThat(crds.validate(fd)).anyMatch(p -> p.contains("upgradeMod"));
    }

    @Test
    void misspeltFieldDeepInThePodTemplateFails() {
        ObjectNode fd = Manifests.render(Repo.k8s().resolve("overlays/dev")).flinkDeployment();
        ObjectNode container =
                (ObjectNode)
                        fd.path("spec").path("podTemplate").path("spec").path("containers").get(0);
        container.set("volumeMount", container.get("volumeMounts"));
        assertThat(crds.validate(fd)).anyMatch(p -> p.contains("volumeMount"));
    }

    @Test
    void unknownNodePoolRoleFails() {
        ObjectNode pool =
                Manifests.render(Repo.k8s().resolve("overlays/dev")).single("KafkaNodePool");
        ((ObjectNode) pool.path("spec")).putArray("roles").add("zookeeper");
        assertThat(crds.validate(pool)).anyMatch(p -> p.contains("roles"));
    }

    @Test
    void unsupportedFlinkVersionFails() {
        ObjectNode fd = Manifests.render(Repo.k8s().resolve("overlays/dev")).flinkDeployment();
        ((ObjectNode) fd.path("spec")).put("flinkVersion", "v2_3");
        assertThat(crds.validate(fd)).anyMatch(p -> p.contains("flinkVersion"));
    }

    @Test
    void invalidTopicAndUnservedApiVersionFail() {
        Manifests m = Manifests.render(Repo.k8s().resolve("overlays/dev"));
        ObjectNode topic = m.topic("memflow.turns").deepCopy();
        ((ObjectNode) topic.path("spec")).put("partitions", 0);
        assertThat(crds.validate(topic)).anyMatch(p -> p.contains("partitions"));

        ObjectNode old = m.single("Kafka").deepCopy();
        old.put("apiVersion", "kafka.strimzi.io/v1beta2");
        assertThat(crds.validate(old)).anyMatch(p -> p.contains("no schema"));
    }

    @Test
    void brokenManifestOnDiskFailsTheRenderedOverlay(@TempDir Path tmp) throws IOException {
        Path copy = tmp.resolve("k8s");
        copyTree(Repo.k8s(), copy);
        Path fd = copy.resolve("base/flink-deployment.yaml");
        String text = Files.readString(fd);
        assertThat(text).contains("upgradeMode: savepoint");
        Files.writeString(fd, text.replace("upgradeMode: savepoint", "upgradeMode: rolling"));
        for (String overlay : List.of("dev", "prod")) {
            Manifests m = Manifests.render(copy.resolve("overlays").resolve(overlay));
            List<String> problems = new ArrayList<>();
            m.resources().forEach(r -> problems.addAll(crds.validate(r)));
            assertThat(problems).as(overlay).anyMatch(p -> p.contains("upgradeMode"));
        }
    }

    @Test
    void missingCrdFolderFailsLoudly(@TempDir Path tmp) {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> CrdSchemas.load(tmp.resolve("no-such-folder")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is missing");
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
