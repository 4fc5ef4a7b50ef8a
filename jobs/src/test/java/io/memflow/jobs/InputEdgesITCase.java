package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.query;
import static io.memflow.jobs.JobHarness.turn;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryQuery;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * The edges of the running job: an invalid query is answered on the answers topic with its error
 * (and dead-lettered), so the asking agent never waits forever; ids that would make two (tenant,
 * user) pairs share a key are dead-lettered with the reason; the job keeps answering valid queries
 * after both.
 */
class InputEdgesITCase extends JobTestBase {
    @Test
    void invalidQueriesAreAnsweredWithTheirErrorAndAmbiguousIdsAreRejected() throws Exception {
        JobHarness h = new JobHarness(kafka, "edges", Files.createTempDirectory("memflow-edges"));
        JobClient job = h.start(null);
        try (TopicIo io = h.io()) {
            String queries = h.topic(MemflowOptions.TOPIC_QUERIES);
            String turns = h.topic(MemflowOptions.TOPIC_TURNS);
            String at = "2024-03-05T10:00:00Z";
            Map<String, Integer> ks = Map.of("k-huge", 100000, "k-zero", 0, "k-negative", -5);
            for (var e : ks.entrySet()) {
                MemoryQuery q = query("acme", "maya", e.getKey(), at, "Where do I live?");
                q.setK(e.getValue());
                io.send(queries, q);
            }
            io.send(queries, query("acme", "maya", "empty", at, " "));
            io.send(
                    turns,
                    turn("a/b", "c", "s1", "D1:1", "2024-03-04T10:00:00Z", "Al", "I am a/b + c."));
            io.send(
                    turns,
                    turn("a", "b/c", "s1", "D1:1", "2024-03-04T10:00:00Z", "Al", "I am a + b/c."));
            io.send(
                    turns,
                    turn(
                            "acme",
                            "maya",
                            "s1",
                            "D1:1",
                            "2024-03-04T10:00:00Z",
                            "Maya",
                            "I live in Porto."));
            io.send(queries, query("acme", "maya", "valid", at, "Where do I live?"));

            List<MemoryAnswer> answers =
                    io.readUntil(
                            h.topic(MemflowOptions.TOPIC_ANSWERS),
                            MemoryAnswer.class,
                            5,
                            Duration.ofSeconds(90));
            Map<String, MemoryAnswer> byId =
                    answers.stream()
                            .collect(
                                    Collectors.toMap(
                                            MemoryAnswer::getQueryId, a -> a, (a, b) -> a));
            assertThat(byId).containsOnlyKeys("k-huge", "k-zero", "k-negative", "empty", "valid");
            for (String id : List.of("k-huge", "k-zero", "k-negative")) {
                assertThat(byId.get(id).getErrorCode()).isEqualTo("INVALID_QUERY");
                assertThat(byId.get(id).getErrorMessage())
                        .isEqualTo("k must be between 1 and 1000, was " + ks.get(id));
                assertThat(byId.get(id).getMemories()).isEmpty();
            }
            assertThat(byId.get("empty").getErrorMessage()).isEqualTo("text is empty");
            assertThat(byId.get("valid").getErrorCode()).isNull();
            assertThat(byId.get("valid").getMemories())
                    .anySatisfy(m -> assertThat(m.getText()).contains("Porto"));

            List<DeadLetter> dead =
                    io.readUntil(
                            h.topic(MemflowOptions.TOPIC_DEAD_LETTERS),
                            DeadLetter.class,
                            6,
                            Duration.ofSeconds(30));
            assertThat(dead).hasSize(6);
            assertThat(dead)
                    .extracting(DeadLetter::getReason)
                    .anySatisfy(r -> assertThat(r).contains("tenantId must not contain '/'"))
                    .anySatisfy(r -> assertThat(r).contains("userId must not contain '/'"));
        } finally {
            job.cancel().get();
        }
    }
}
