package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.control;
import static io.memflow.jobs.JobHarness.query;
import static io.memflow.jobs.JobHarness.turn;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.RetrievedMemory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rescaling through savepoints: the same multi-user input, sent in three phases, once to one job at
 * parallelism 1 that runs throughout, and once to a job that is stopped with a savepoint after each
 * phase and restored at parallelism 1, then 2, then 4 on a MiniCluster of two TaskManagers. Every
 * keyed tier is on the path (event order with the per-user clocks, sensory, short-term, long-term,
 * and the inference tier with stories260K), and the key groups move between subtasks and
 * TaskManagers at each restore. The changelogs must be the same memory by memory (each memory's
 * history in order; the order across memories depends on partitioning), and every query must get
 * the same memories and the same generated text.
 */
class RescaleITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(new Configuration())
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    static final List<String> USERS = List.of("ann", "bob", "cy", "dee", "eli", "fay");
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(0);
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    record Outcome(Map<String, List<String>> changes, Map<String, String> answers) {}

    @Test
    void restoredAtTwoThenFourGivesWhatOneRunAtOneGives() throws Exception {
        Path dir = MemflowJobITCase.scratch();
        Outcome single = run(new JobHarness(kafka, "rescale-ref", dir.resolve("ref")), null);
        Outcome rescaled =
                run(new JobHarness(kafka, "rescale", dir.resolve("cp")), new int[] {1, 2, 4});

        assertThat(single.changes()).as("changes of the single run").hasSizeGreaterThan(6);
        assertThat(single.answers()).hasSize(USERS.size() * 2);
        assertThat(rescaled.changes()).isEqualTo(single.changes());
        assertThat(rescaled.answers()).isEqualTo(single.answers());
    }

    /**
     * Sends the three phases; with {@code parallelisms} null one job at parallelism 1 runs
     * throughout, else phase i runs in a job restored from the previous phase's savepoint at
     * parallelisms[i].
     */
    private static Outcome run(JobHarness h, int[] parallelisms) throws Exception {
        h.conf.set(MemflowOptions.MODEL_PATH, SharedData.storiesModel().toString());
        h.conf.set(MemflowOptions.MAX_NEW_TOKENS, 8);
        h.conf.set(MemflowOptions.KV_BUDGET, 40);
        h.conf.set(MemflowOptions.PREFILL_BLOCK, 32);
        h.conf.set(MemflowOptions.EMBEDDING_ENABLED, false);
        h.conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelisms == null ? 1 : parallelisms[0]);
        JobClient job = h.start(null);
        try (TopicIo io = h.io()) {
            for (int phase = 0; phase < 3; phase++) {
                if (phase > 0 && parallelisms != null) {
                    String savepoint =
                            job.stopWithSavepoint(
                                            false,
                                            MemflowJobITCase.scratch()
                                                    .resolve("sp" + phase)
                                                    .toUri()
                                                    .toString(),
                                            SavepointFormatType.CANONICAL)
                                    .get();
                    h.conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
                    h.conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelisms[phase]);
                    job = h.start(null);
                    assertThat(parallelismOf(job))
                            .as("operator parallelism after restore")
                            .isEqualTo(parallelisms[phase]);
                }
                send(h, io, phase);
                awaitQuiet(h, io, USERS.size() * phase);
            }
            return new Outcome(
                    MemflowJobITCase.perMemory(
                            io.readAll(
                                    h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                    MemoryChange.class,
                                    Duration.ofSeconds(3))),
                    answers(
                            io.readAll(
                                    h.topic(MemflowOptions.TOPIC_ANSWERS),
                                    MemoryAnswer.class,
                                    Duration.ofSeconds(3))));
        } finally {
            job.cancel().get();
        }
    }

    /** Phase 0: first sessions; 1: second sessions and a question; 2: consolidation, question. */
    private static void send(JobHarness h, TopicIo io, int phase) {
        String turns = h.topic(MemflowOptions.TOPIC_TURNS);
        for (String user : USERS) {
            var conversation = JobHarness.conversation("t1", user);
            if (phase == 0) {
                conversation.stream()
                        .filter(t -> t.getSessionId().equals("s1"))
                        .forEach(t -> io.send(turns, t));
            } else if (phase == 1) {
                conversation.stream()
                        .filter(t -> t.getSessionId().equals("s2"))
                        .forEach(t -> io.send(turns, t));
                io.send(
                        turns,
                        turn(
                                "t1",
                                user,
                                "s2",
                                "D2:3",
                                "2024-03-25T18:02:00Z",
                                "Ann",
                                user + " asked about the ferry to Bainbridge Island."));
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query(
                                "t1",
                                user,
                                "q1-" + user,
                                "2024-03-25T19:00:00Z",
                                "Where is Pepper?"));
            } else {
                io.send(
                        h.topic(MemflowOptions.TOPIC_CONTROL),
                        control(
                                "t1",
                                user,
                                "c-" + user,
                                "2024-03-26T00:00:00Z",
                                ControlType.CONSOLIDATE_NOW));
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query(
                                "t1",
                                user,
                                "q2-" + user,
                                "2024-03-27T00:00:00Z",
                                "Where does Ann live now?"));
            }
        }
    }

    /**
     * Waits until at least {@code answers} answers are out and the changelog stopped growing for a
     * few seconds, so that a phase is fully processed (and committed) before the next one.
     */
    private static void awaitQuiet(JobHarness h, TopicIo io, int answers)
            throws InterruptedException {
        String changesTopic = h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES);
        String answersTopic = h.topic(MemflowOptions.TOPIC_ANSWERS);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        int last = -1;
        int stable = 0;
        while (System.nanoTime() < deadline && stable < 4) {
            int n = io.readAll(changesTopic, MemoryChange.class, Duration.ofMillis(500)).size();
            int a = io.readAll(answersTopic, MemoryAnswer.class, Duration.ofMillis(300)).size();
            stable = (n == last && a >= answers) ? stable + 1 : 0;
            last = n;
            Thread.sleep(500);
        }
        assertThat(io.readAll(answersTopic, MemoryAnswer.class, Duration.ofSeconds(1)))
                .as("answers by the end of the phase")
                .hasSizeGreaterThanOrEqualTo(answers);
    }

    /** The highest parallelism among the job's vertices, from the MiniCluster's REST API. */
    private static int parallelismOf(JobClient job) throws Exception {
        Configuration client = FLINK.getClientConfiguration();
        URI uri =
                URI.create(
                        "http://"
                                + client.get(RestOptions.ADDRESS)
                                + ":"
                                + client.get(RestOptions.PORT)
                                + "/jobs/"
                                + job.getJobID());
        String body =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(uri).build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
        Matcher m = Pattern.compile("\"parallelism\"\\s*:\\s*(\\d+)").matcher(body);
        int max = 0;
        while (m.find()) {
            max = Math.max(max, Integer.parseInt(m.group(1)));
        }
        return max;
    }

    /** Query id → the memories (ids, in rank order) and the generated text of its answer. */
    private static Map<String, String> answers(List<MemoryAnswer> all) {
        Map<String, String> out = new TreeMap<>();
        for (MemoryAnswer a : all) {
            List<String> ids = new ArrayList<>();
            for (RetrievedMemory m : a.getMemories()) {
                ids.add(m.getMemoryId());
            }
            out.put(a.getQueryId(), ids + " | " + a.getGeneratedText());
        }
        return out;
    }
}
