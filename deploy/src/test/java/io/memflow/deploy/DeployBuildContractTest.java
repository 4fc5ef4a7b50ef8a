package io.memflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The manifests against the rest of the project: every topic of docs/ARCHITECTURE.md section 4 is
 * declared, and the FlinkDeployment runs the Flink version, jar and entry class the build produces.
 */
class DeployBuildContractTest {

    private static final String ENTRY_CLASS = "io.memflow.jobs.MemflowJob";

    static Stream<Path> overlays() {
        return Repo.overlays().stream();
    }

    /** The topic names in the table of docs/ARCHITECTURE.md section 4. */
    static List<String> designTopics() {
        Path design = Repo.root().resolve("docs/ARCHITECTURE.md");
        if (!Files.isRegularFile(design)) {
            throw new IllegalStateException(design + " is missing: it defines the topics");
        }
        String text = Repo.read(design);
        int start = text.indexOf("## 4.");
        int end = text.indexOf("\n## ", start + 1);
        assertThat(start).as("docs/ARCHITECTURE.md section 4").isNotNegative();
        String section = text.substring(start, end < 0 ? text.length() : end);
        List<String> topics = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\|\\s*`(memflow\\.[a-z.-]+)`\\s*\\|").matcher(section);
        while (m.find()) {
            topics.add(m.group(1));
        }
        return topics;
    }

    @Test
    void designListsTheSevenTopics() {
        assertThat(designTopics())
                .containsExactly(
                        "memflow.turns",
                        "memflow.agent-events",
                        "memflow.queries",
                        "memflow.control",
                        "memflow.memory-changes",
                        "memflow.answers",
                        "memflow.dead-letters");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyDesignTopicHasAKafkaTopic(Path overlay) {
        Manifests m = Manifests.render(overlay);
        for (String topic : designTopics()) {
            ObjectNode t = m.topic(topic);
            JsonNode config = t.path("spec").path("config");
            String policy = config.path("cleanup.policy").asString();
            if (topic.equals("memflow.memory-changes")) {
                // keyed by tenantId/userId/memoryId: compaction keeps each memory's latest version
                assertThat(policy).as(topic).isEqualTo("compact");
            } else {
                assertThat(policy).as(topic).isEqualTo("delete");
                assertThat(config.path("retention.ms").asLong()).as(topic).isPositive();
            }
        }
        long turns = retention(m, "memflow.turns");
        long events = retention(m, "memflow.agent-events");
        // a replay from the earliest offsets must see every FORGET_USER for the turns it re-reads
        assertThat(retention(m, "memflow.control")).isGreaterThanOrEqualTo(Math.max(turns, events));
        assertThat(retention(m, "memflow.dead-letters")).isGreaterThanOrEqualTo(turns);
        // and the job's defaults point at exactly these names
        for (String topic : designTopics()) {
            String key = "memflow.topics." + topic.substring("memflow.".length());
            assertThat(m.flinkConf(key)).as(key).isEqualTo(topic);
        }
    }

    private static long retention(Manifests m, String topic) {
        return m.topic(topic).path("spec").path("config").path("retention.ms").asLong();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void flinkVersionMatchesTheBuild(Path overlay) {
        String flinkVersion = Repo.xmlTag(Repo.root().resolve("pom.xml"), "flink.version");
        Matcher v = Pattern.compile("(\\d+)\\.(\\d+)(\\..*)?").matcher(flinkVersion);
        assertThat(v.matches()).as("flink.version " + flinkVersion).isTrue();
        String expected = "v" + v.group(1) + "_" + v.group(2);
        assertThat(
                        Manifests.render(overlay)
                                .flinkDeployment()
                                .path("spec")
                                .path("flinkVersion")
                                .asString())
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void jarAndEntryClassMatchTheBuild(Path overlay) {
        JsonNode job = Manifests.render(overlay).flinkDeployment().path("spec").path("job");
        assertThat(job.path("jarURI").asString())
                .isEqualTo("local:///opt/flink/usrlib/" + jobsFinalName() + ".jar");
        assertThat(job.path("entryClass").asString()).isEqualTo(ENTRY_CLASS);
    }

    @Test
    void entryClassExistsInTheJobsModule() {
        Path source =
                Repo.root()
                        .resolve("jobs/src/main/java")
                        .resolve(ENTRY_CLASS.replace('.', '/') + ".java");
        assertThat(source).as("the FlinkDeployment's entryClass").isRegularFile();
        assertThat(Repo.read(source)).contains("public static void main(String[] args)");
    }

    @Test
    void dockerfilePutsTheBuiltJarWhereJarUriPointsAndMatchesFlink() {
        String dockerfile = Repo.read(Repo.root().resolve("jobs/Dockerfile"));
        String flinkVersion = Repo.xmlTag(Repo.root().resolve("pom.xml"), "flink.version");
        String jar = jobsFinalName() + ".jar";
        assertThat(dockerfile)
                .containsPattern("(?m)^FROM flink:" + Pattern.quote(flinkVersion) + "-java17\\s*$")
                .containsPattern(
                        "(?m)^COPY .*target/"
                                + Pattern.quote(jar)
                                + " /opt/flink/usrlib/"
                                + Pattern.quote(jar)
                                + "\\s*$");
    }

    /**
     * Every memflow.* key the deployment sets is an option the job declares (MemflowOptions in the
     * operators module, read as text): a misspelt key would otherwise be ignored silently and the
     * job would run on its default.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void memflowKeysAreOptionsTheJobReads(Path overlay) {
        Path options =
                Repo.root()
                        .resolve(
                                "operators/src/main/java/io/memflow/operators/config/MemflowOptions.java");
        assertThat(options).as("the job's configuration options").isRegularFile();
        String src = Repo.read(options);
        List<String> declared = new ArrayList<>();
        Matcher key = Pattern.compile("key\\(\"(memflow\\.[^\"]+)\"\\)").matcher(src);
        while (key.find()) {
            declared.add(key.group(1));
        }
        Matcher topic = Pattern.compile("\\btopic\\(\"([a-z-]+)\"\\)").matcher(src);
        while (topic.find()) {
            declared.add("memflow.topics." + topic.group(1));
        }
        Manifests m = Manifests.render(overlay);
        List<String> used =
                m.flinkConfiguration().propertyNames().stream()
                        .filter(k -> k.startsWith("memflow."))
                        .toList();
        assertThat(used).isNotEmpty();
        assertThat(declared).containsAll(used);
        assertThat(m.flinkConf("memflow.job.max-parallelism"))
                .isEqualTo(m.flinkConf("pipeline.max-parallelism"));
    }

    /** {@code <finalName>} of the jobs module: the shaded jar is target/<finalName>.jar. */
    static String jobsFinalName() {
        Path pom = Repo.root().resolve("jobs/pom.xml");
        assertThat(pom).as("the jobs module builds the job jar").isRegularFile();
        return Repo.xmlTag(pom, "finalName");
    }
}
