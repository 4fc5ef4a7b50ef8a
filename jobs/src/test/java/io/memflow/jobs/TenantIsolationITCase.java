package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.query;
import static io.memflow.jobs.JobHarness.turn;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.RetrievedMemory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * Two tenants whose users have the same ids and talk about the same things: every query, in the
 * running job with hybrid retrieval on, sees only its own tenant's memory (consolidated and still
 * short-term), never the other's, however well the other's memory matches the question.
 */
class TenantIsolationITCase extends JobTestBase {
    @Test
    void aQueryNeverSeesAnotherTenantsMemory() throws Exception {
        JobHarness h =
                new JobHarness(kafka, "tenants", Files.createTempDirectory("memflow-tenants"));
        JobClient job = h.start(null);
        try (TopicIo io = h.io()) {
            String turns = h.topic(MemflowOptions.TOPIC_TURNS);
            for (String tenant : List.of("acme", "globex")) {
                for (String user : List.of("u1", "u2")) {
                    String city = tenant.equals("acme") ? "Lisbon" : "Oslo";
                    io.send(
                            turns,
                            turn(
                                    tenant,
                                    user,
                                    "s1",
                                    "D1:1",
                                    "2024-03-04T10:00:00Z",
                                    "Sam",
                                    "I live in " + city + " with my cat " + tenant + user + "."));
                    io.send(
                            turns,
                            turn(
                                    tenant,
                                    user,
                                    "s1",
                                    "D1:2",
                                    "2024-03-04T10:01:00Z",
                                    "Sam",
                                    "My favourite food in " + city + " is the fish stew."));
                    // a second session: the first one is consolidated, this one stays short-term
                    io.send(
                            turns,
                            turn(
                                    tenant,
                                    user,
                                    "s2",
                                    "D2:1",
                                    "2024-03-20T10:00:00Z",
                                    "Sam",
                                    "Work at " + tenant + " keeps me busy in " + city + "."));
                }
            }
            String queries = h.topic(MemflowOptions.TOPIC_QUERIES);
            int n = 0;
            for (String tenant : List.of("acme", "globex")) {
                for (String user : List.of("u1", "u2")) {
                    MemoryQuery q =
                            query(
                                    tenant,
                                    user,
                                    tenant + "-" + user,
                                    "2024-03-21T09:00:00Z",
                                    "Where do I live, in Lisbon or Oslo, and what about acme"
                                            + " and globex?");
                    q.setK(20);
                    io.send(queries, q);
                    n++;
                }
            }
            List<MemoryAnswer> answers =
                    io.readUntil(
                            h.topic(MemflowOptions.TOPIC_ANSWERS),
                            MemoryAnswer.class,
                            n,
                            Duration.ofSeconds(90));
            assertThat(answers).hasSize(n);
            for (MemoryAnswer a : answers) {
                String other = a.getTenantId().equals("acme") ? "globex" : "acme";
                String otherCity = a.getTenantId().equals("acme") ? "Oslo" : "Lisbon";
                assertThat(a.getQueryId()).isEqualTo(a.getTenantId() + "-" + a.getUserId());
                // all three of the user's own turns, and nothing else
                assertThat(a.getMemories()).hasSize(3);
                for (RetrievedMemory m : a.getMemories()) {
                    assertThat(m.getText()).doesNotContain(other).doesNotContain(otherCity);
                }
            }
        } finally {
            job.cancel().get();
        }
    }
}
