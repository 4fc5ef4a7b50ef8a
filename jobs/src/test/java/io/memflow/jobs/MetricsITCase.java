package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.control;
import static io.memflow.jobs.JobHarness.conversation;
import static io.memflow.jobs.JobHarness.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * memflow's own metrics, as a metric reporter (like the Prometheus one in deploy/k8s) sees them in
 * a MiniCluster run: registered under the user group {@code memflow} of the operators, and moving
 * with the data.
 */
class MetricsITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(reporterConfig())
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    static Configuration reporterConfig() {
        Configuration c = new Configuration();
        c.setString(
                "metrics.reporter.collect.factory.class",
                CollectingReporter.Factory.class.getName());
        return c;
    }

    @Test
    void memflowMetricsAreReportedAndCount() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            JobHarness h = new JobHarness(kafka, "metrics", MemflowJobITCase.scratch());
            // with a model, so the inference operator's metrics are in the graph too
            h.conf.set(MemflowOptions.MODEL_PATH, SharedData.storiesModel().toString());
            h.conf.set(MemflowOptions.MAX_NEW_TOKENS, 8);
            JobClient job = h.start(null);
            try (TopicIo io = h.io()) {
                conversation("t1", "ann")
                        .forEach(t -> io.send(h.topic(MemflowOptions.TOPIC_TURNS), t));
                io.sendRaw(
                        h.topic(MemflowOptions.TOPIC_TURNS),
                        "t1/ann",
                        null,
                        "garbage".getBytes(StandardCharsets.UTF_8));
                io.send(
                        h.topic(MemflowOptions.TOPIC_CONTROL),
                        control(
                                "t1",
                                "ann",
                                "c1",
                                "2024-03-26T00:00:00Z",
                                ControlType.CONSOLIDATE_NOW));
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query("t1", "ann", "q1", "2024-03-27T00:00:00Z", "Where does Ann live?"));
                assertThat(
                                io.readUntil(
                                        h.topic(MemflowOptions.TOPIC_ANSWERS),
                                        MemoryAnswer.class,
                                        1,
                                        Duration.ofSeconds(60)))
                        .hasSize(1);
                // counters are reported live; give the last increments a moment to land
                Thread.sleep(1000);
                // gauges read the engine's pool, which the job releases when it stops
                kvBytesInUse = gauge(MemflowMetrics.KV_BYTES_IN_USE);
                kvBuilds = gauge(MemflowMetrics.KV_CACHE_BUILDS);
            } finally {
                job.cancel().get();
            }
        }
        Map<String, Metric> memflow =
                CollectingReporter.METRICS.entrySet().stream()
                        .filter(e -> e.getKey().contains("." + MemflowMetrics.GROUP + "."))
                        .collect(
                                Collectors.toMap(
                                        e -> e.getKey().substring(e.getKey().lastIndexOf('.') + 1),
                                        Map.Entry::getValue,
                                        (a, b) -> a));
        assertThat(memflow.keySet()).containsAll(MemflowMetrics.all());
        assertThat(sum(MemflowMetrics.TURNS_IN)).isEqualTo(6);
        assertThat(sum(MemflowMetrics.TURNS_DROPPED)).isEqualTo(1);
        assertThat(sum(MemflowMetrics.DEAD_LETTERS)).isEqualTo(1);
        assertThat(sum(MemflowMetrics.CHANGES_PREFIX + "ADD")).isEqualTo(5);
        assertThat(sum(MemflowMetrics.CHANGES_PREFIX + "SUPERSEDE")).isEqualTo(1);
        assertThat(sum(MemflowMetrics.QUERIES_ANSWERED)).isEqualTo(1);
        assertThat(sum(MemflowMetrics.TOKENS_KEPT))
                .isPositive()
                .isLessThan(sum(MemflowMetrics.TOKENS_IN));
        assertThat(memflow.get(MemflowMetrics.RETRIEVAL_LATENCY_MS)).isInstanceOf(Histogram.class);
        assertThat(sum(MemflowMetrics.ANSWERS_GENERATED)).isEqualTo(1);
        assertThat(kvBytesInUse).isPositive();
        assertThat(kvBuilds).isEqualTo(1);
    }

    private long kvBytesInUse;
    private long kvBuilds;

    /** A gauge of the engine's pool (every generate subtask reports the same shared pool). */
    static long gauge(String name) {
        return CollectingReporter.METRICS.entrySet().stream()
                .filter(e -> e.getKey().endsWith("." + MemflowMetrics.GROUP + "." + name))
                .mapToLong(e -> ((Number) ((Gauge<?>) e.getValue()).getValue()).longValue())
                .max()
                .orElseThrow(() -> new AssertionError("no gauge " + name));
    }

    /** A counter summed over the subtasks that registered it. */
    static long sum(String name) {
        return CollectingReporter.METRICS.entrySet().stream()
                .filter(e -> e.getKey().endsWith("." + MemflowMetrics.GROUP + "." + name))
                .mapToLong(e -> ((Counter) e.getValue()).getCount())
                .sum();
    }
}
