package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.conversation;
import static io.memflow.jobs.JobHarness.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.inference.InferenceSettings;
import io.memflow.operators.inference.KvPool;
import io.memflow.operators.inference.SharedEngines;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.RetrievedMemory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;

/**
 * The inference operator in the real job (Kafka in and out, RocksDB, stories260K): answers carry
 * generated text, the KV caches live only in the engine's pool, and after a savepoint restore the
 * caches are rebuilt from the token ids in state and the same question gets the same answer.
 */
class InferenceITCase extends JobTestBase {
    private static final String QUESTION = "Where does Ann live now?";
    private static final String ASKED_AT = "2024-03-27T09:00:00Z";

    @Test
    void restoredJobRebuildsItsCachesAndAnswersTheSameQuestionTheSameWay() throws Exception {
        Path dir = MemflowJobITCase.scratch();
        JobHarness h = new JobHarness(kafka, "inference", dir.resolve("cp"));
        h.conf.set(MemflowOptions.MODEL_PATH, SharedData.storiesModel().toString());
        h.conf.set(MemflowOptions.MAX_NEW_TOKENS, 16);
        h.conf.set(MemflowOptions.KV_BUDGET, 40);
        h.conf.set(MemflowOptions.PREFILL_BLOCK, 32);
        InferenceSettings settings = InferenceSettings.of(h.conf);
        String answersTopic = h.topic(MemflowOptions.TOPIC_ANSWERS);
        String queries = h.topic(MemflowOptions.TOPIC_QUERIES);

        JobClient job = h.start(null);
        try (TopicIo io = h.io()) {
            conversation("t1", "ann").forEach(t -> io.send(h.topic(MemflowOptions.TOPIC_TURNS), t));
            h.awaitFirstChange(io);
            io.send(queries, query("t1", "ann", "q1", ASKED_AT, QUESTION));
            MemoryAnswer first =
                    io.readUntil(answersTopic, MemoryAnswer.class, 1, Duration.ofSeconds(90))
                            .get(0);
            assertThat(first.getGeneratedText()).as("generated text").isNotBlank();
            assertThat(first.getMemories()).isNotEmpty();
            KvPool pool = SharedEngines.poolOf(settings);
            assertThat(pool).as("engine loaded while the job runs").isNotNull();
            assertThat(pool.builds()).isEqualTo(1);
            assertThat(pool.bytesInUse()).isPositive();

            String savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    dir.resolve("sp").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
            awaitReleased(settings);

            io.send(queries, query("t1", "ann", "q2", ASKED_AT, QUESTION));
            h.conf.setString("execution.state-recovery.path", savepoint);
            job = h.start(null);
            List<MemoryAnswer> all =
                    io.readUntil(answersTopic, MemoryAnswer.class, 2, Duration.ofSeconds(90));
            MemoryAnswer second =
                    all.stream().filter(a -> a.getQueryId().equals("q2")).findFirst().orElseThrow();
            KvPool restored = SharedEngines.poolOf(settings);
            assertThat(restored).as("a new engine for the restored job").isNotSameAs(pool);
            assertThat(restored.builds()).as("cache rebuilt from state").isEqualTo(1);
            assertThat(ids(second.getMemories())).isEqualTo(ids(first.getMemories()));
            assertThat(second.getGeneratedText()).isEqualTo(first.getGeneratedText());
        } finally {
            job.cancel().get();
        }
    }

    /** Stopping closes the operators, and the last one releases the engine and its caches. */
    private static void awaitReleased(InferenceSettings s) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (SharedEngines.poolOf(s) != null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(SharedEngines.poolOf(s)).as("engine released after the stop").isNull();
    }

    private static List<String> ids(List<RetrievedMemory> ms) {
        return ms.stream().map(RetrievedMemory::getMemoryId).toList();
    }
}
