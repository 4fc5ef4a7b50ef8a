package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.control;
import static io.memflow.jobs.JobHarness.conversation;
import static io.memflow.jobs.JobHarness.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.cli.Resume;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * Restart = resume. The job runs on its own local MiniCluster (as {@code memflow run} does, no
 * shared test cluster), is cancelled abruptly after a checkpoint (no savepoint), and is started
 * again the way {@code run} starts it ({@link Resume#configure}): the memory from before is
 * retrievable, ingest goes on, and over the whole run the changelog has no gap and no duplicate
 * (memoryId, version).
 */
class DurabilityITCase {

    @Test
    void cancelledJobResumesFromItsNewestRetainedCheckpoint() throws Exception {
        Path dir = MemflowJobITCase.scratch();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            JobHarness h = new JobHarness(kafka, "durable", dir.resolve("cp"));
            String turns = h.topic(MemflowOptions.TOPIC_TURNS);
            String changes = h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES);
            assertThat(Resume.configure(h.conf)).as("a first run finds nothing").isEmpty();
            JobClient job = h.start(null);
            List<ConversationTurn> conv = conversation("t1", "ann");
            try (TopicIo io = h.io()) {
                conv.subList(0, 4).forEach(t -> io.send(turns, t));
                io.send(
                        h.topic(MemflowOptions.TOPIC_CONTROL),
                        control(
                                "t1",
                                "ann",
                                "c1",
                                "2024-03-04T11:00:00Z",
                                ControlType.CONSOLIDATE_NOW));
                // visible read_committed = committed by a completed checkpoint
                List<MemoryChange> before =
                        io.readUntil(changes, MemoryChange.class, 3, Duration.ofSeconds(90));
                assertThat(before).hasSize(3);
                job.cancel().get();

                Optional<Path> resumed = Resume.configure(h.conf);
                assertThat(resumed)
                        .as("a retained checkpoint of the stable job id")
                        .isPresent()
                        .get()
                        .satisfies(p -> assertThat(p.getFileName().toString()).startsWith("chk-"));
                job = h.start(null);
                conv.subList(4, conv.size()).forEach(t -> io.send(turns, t));
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query(
                                "t1",
                                "ann",
                                "q1",
                                "2024-03-27T09:00:00Z",
                                "What is the name of the dog?"));
                List<MemoryAnswer> answers =
                        io.readUntil(
                                h.topic(MemflowOptions.TOPIC_ANSWERS),
                                MemoryAnswer.class,
                                1,
                                Duration.ofSeconds(90));
                assertThat(answers).hasSize(1);
                assertThat(answers.get(0).getMemories())
                        .as("the dog memory from before the restart")
                        .anyMatch(m -> m.getSourceTurnIds().contains("D1:3"));
                io.send(
                        h.topic(MemflowOptions.TOPIC_CONTROL),
                        control(
                                "t1",
                                "ann",
                                "c2",
                                "2024-03-28T00:00:00Z",
                                ControlType.CONSOLIDATE_NOW));
                List<MemoryChange> all =
                        io.readUntil(changes, MemoryChange.class, 6, Duration.ofSeconds(90));
                all = io.readAll(changes, MemoryChange.class, Duration.ofSeconds(2));
                assertThat(all)
                        .as("memories of the turns after the restart")
                        .anyMatch(c -> c.getRecord().getSourceTurnIds().contains("D2:1"));
                MemflowJobITCase.assertNoGapNoDuplicate(all);
            } finally {
                job.cancel().get();
            }
        }
    }
}
