package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.control;
import static io.memflow.jobs.JobHarness.conversation;
import static io.memflow.jobs.JobHarness.query;
import static io.memflow.jobs.JobHarness.turn;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.codec.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;

/**
 * The memflow job end to end on a Flink MiniCluster (RocksDB, incremental checkpoints) against an
 * in-JVM KRaft broker: outputs are read back read_committed from the exactly-once sinks.
 */
class MemflowJobITCase extends JobTestBase {
    @Test
    void turnsBecomeMemoriesAndQueriesCiteTheirTurns() throws Exception {
        Path dir = scratch();
        JobHarness h = new JobHarness(kafka, "e2e", dir);
        JobClient job = h.start(null);
        try (TopicIo io = h.io()) {
            String turns = h.topic(MemflowOptions.TOPIC_TURNS);
            List<ConversationTurn> conv = conversation("t1", "ann");
            // bad input, each between good records: garbage, another schema, empty text,
            // 1 MB text, a timestamp in 2099, a missing tenant
            io.send(turns, conv.get(0));
            io.sendRaw(turns, "t1/ann", null, "not avro at all".getBytes(StandardCharsets.UTF_8));
            io.send(turns, conv.get(1));
            io.sendRaw(
                    turns,
                    "t1/ann",
                    null,
                    WireFormat.encode(
                            query("t1", "ann", "wrong", "2024-03-04T10:00:00Z", "where?")));
            io.send(turns, conv.get(2));
            io.send(
                    turns,
                    turn("t1", "ann", "s1", "BAD:empty", "2024-03-04T10:02:10Z", "Ann", "   "));
            io.send(
                    turns,
                    turn(
                            "t1",
                            "ann",
                            "s1",
                            "BAD:huge",
                            "2024-03-04T10:02:20Z",
                            "Ann",
                            "x".repeat(1_000_000)));
            io.send(turns, conv.get(3));
            io.send(
                    turns,
                    turn(
                            "t1",
                            "ann",
                            "s1",
                            "BAD:future",
                            "2099-01-01T00:00:00Z",
                            "Ann",
                            "I am from the future."));
            io.send(
                    turns,
                    turn(
                            "",
                            "ann",
                            "s1",
                            "BAD:tenant",
                            "2024-03-04T10:03:30Z",
                            "Ann",
                            "Who owns me?"));
            for (ConversationTurn t : conv.subList(4, conv.size())) {
                io.send(turns, t);
            }
            h.awaitFirstChange(io);
            io.send(
                    h.topic(MemflowOptions.TOPIC_QUERIES),
                    query("t1", "ann", "q1", "2024-03-27T09:00:00Z", "Where does Ann live?"));
            io.send(
                    h.topic(MemflowOptions.TOPIC_QUERIES),
                    query(
                            "t1",
                            "ann",
                            "q2",
                            "2024-03-27T09:00:01Z",
                            "What is the name of Ann's dog?"));

            List<MemoryAnswer> answers =
                    io.readUntil(
                            h.topic(MemflowOptions.TOPIC_ANSWERS),
                            MemoryAnswer.class,
                            2,
                            Duration.ofSeconds(60));
            List<DeadLetter> dead =
                    io.readUntil(
                            h.topic(MemflowOptions.TOPIC_DEAD_LETTERS),
                            DeadLetter.class,
                            6,
                            Duration.ofSeconds(30));
            List<MemoryChange> changes =
                    io.readAll(
                            h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                            MemoryChange.class,
                            Duration.ofSeconds(2));

            assertThat(answers).hasSize(2);
            Map<String, MemoryAnswer> byId = new TreeMap<>();
            answers.forEach(a -> byId.put(a.getQueryId(), a));
            RetrievedMemory top = byId.get("q1").getMemories().get(0);
            assertThat(top.getSourceTurnIds()).containsExactly("D2:1");
            assertThat(top.getText()).contains("Seattle");
            assertThat(byId.get("q1").getMemories())
                    .anySatisfy(
                            m -> {
                                assertThat(m.getSourceTurnIds()).containsExactly("D1:1");
                                assertThat(m.getStatus()).isEqualTo(MemoryStatus.SUPERSEDED);
                                assertThat(m.getValidTo()).isNotNull();
                            });
            assertThat(byId.get("q2").getMemories().get(0).getSourceTurnIds())
                    .containsExactly("D1:3");

            // every good turn but the content-free one became a memory, each bad one a dead letter
            Set<String> added = new HashSet<>();
            changes.stream()
                    .filter(c -> c.getType() == ChangeType.ADD)
                    .forEach(c -> added.addAll(c.getRecord().getSourceTurnIds()));
            assertThat(added).containsExactlyInAnyOrder("D1:1", "D1:3", "D1:4", "D2:1", "D2:2");
            assertThat(dead).hasSize(6);
            assertThat(dead)
                    .allSatisfy(
                            d -> {
                                assertThat(d.getSourceTopic()).isEqualTo(turns);
                                assertThat(d.getRawValue()).isNotNull();
                                assertThat(d.getReason()).isNotBlank();
                            });
            assertThat(dead)
                    .extracting(DeadLetter::getErrorType)
                    .containsExactlyInAnyOrder(
                            "UNDECODABLE",
                            "WRONG_SCHEMA",
                            "INVALID",
                            "INVALID",
                            "INVALID",
                            "INVALID");
            assertThat(dead)
                    .extracting(DeadLetter::getReason)
                    .anyMatch(r -> r.contains("text is empty"))
                    .anyMatch(r -> r.contains("max-text-bytes"))
                    .anyMatch(r -> r.contains("future"))
                    .anyMatch(r -> r.contains("tenantId is missing"))
                    .anyMatch(r -> r.contains("MemoryQuery"));
            // the raw bytes are kept: the garbage record comes back byte for byte
            assertThat(dead)
                    .anySatisfy(
                            d ->
                                    assertThat(bytes(d.getRawValue()))
                                            .isEqualTo(
                                                    "not avro at all"
                                                            .getBytes(StandardCharsets.UTF_8)));
            assertThat(dead).extracting(DeadLetter::getSourceOffset).doesNotHaveDuplicates();
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void failureAndSavepointRestoreLeaveNoGapAndNoDuplicate() throws Exception {
        Path dir = scratch();
        JobHarness h = new JobHarness(kafka, "faults", dir.resolve("cp"));
        JobHarness.FailOnce.ARMED.set(true);
        JobClient job = h.start(new JobHarness.FailOnce("D1:4"));
        String turns = h.topic(MemflowOptions.TOPIC_TURNS);
        String changesTopic = h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES);
        try (TopicIo io = h.io()) {
            List<ConversationTurn> conv = conversation("t1", "bea");
            conv.subList(0, 4).forEach(t -> io.send(turns, t));
            io.send(
                    h.topic(MemflowOptions.TOPIC_CONTROL),
                    control(
                            "t1",
                            "bea",
                            "c1",
                            "2024-03-04T11:00:00Z",
                            ControlType.CONSOLIDATE_NOW));
            List<MemoryChange> before =
                    io.readUntil(changesTopic, MemoryChange.class, 3, Duration.ofSeconds(60));
            assertThat(JobHarness.FailOnce.ARMED).isFalse(); // the failure did happen
            assertThat(before).hasSize(3);

            String savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    dir.resolve("sp").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
            conv.subList(4, conv.size()).forEach(t -> io.send(turns, t));
            io.send(
                    h.topic(MemflowOptions.TOPIC_QUERIES),
                    query(
                            "t1",
                            "bea",
                            "q1",
                            "2024-03-27T09:00:00Z",
                            "What is the name of the dog?"));

            h.conf.setString("execution.state-recovery.path", savepoint);
            job = h.start(null);
            List<MemoryAnswer> answers =
                    io.readUntil(
                            h.topic(MemflowOptions.TOPIC_ANSWERS),
                            MemoryAnswer.class,
                            1,
                            Duration.ofSeconds(60));
            assertThat(answers).hasSize(1);
            // memory from before the restore is still there
            assertThat(answers.get(0).getMemories().get(0).getSourceTurnIds())
                    .containsExactly("D1:3");

            List<MemoryChange> all =
                    io.readAll(changesTopic, MemoryChange.class, Duration.ofSeconds(2));
            assertNoGapNoDuplicate(all);
            Set<String> added = new HashSet<>();
            all.stream()
                    .filter(c -> c.getType() == ChangeType.ADD)
                    .forEach(c -> added.addAll(c.getRecord().getSourceTurnIds()));
            assertThat(added).containsExactlyInAnyOrder("D1:1", "D1:3", "D1:4", "D2:1", "D2:2");
            assertThat(all).anyMatch(c -> c.getType() == ChangeType.SUPERSEDE);
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void sameInputTwiceGivesIdenticalChangelogs() throws Exception {
        Path dir = scratch();
        List<List<MemoryChange>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            JobHarness h = new JobHarness(kafka, "determinism" + run, dir.resolve("r" + run));
            JobClient job = h.start(null);
            try (TopicIo io = h.io()) {
                for (String user : List.of("ann", "bob", "cy")) {
                    for (ConversationTurn t : conversation("t1", user)) {
                        io.send(h.topic(MemflowOptions.TOPIC_TURNS), t);
                    }
                }
                h.awaitFirstChange(io);
                for (String user : List.of("ann", "bob", "cy")) {
                    io.send(
                            h.topic(MemflowOptions.TOPIC_QUERIES),
                            query(
                                    "t1",
                                    user,
                                    "q-" + user,
                                    "2024-03-26T00:00:00Z",
                                    "Where do I live?"));
                    io.send(
                            h.topic(MemflowOptions.TOPIC_CONTROL),
                            control(
                                    "t1",
                                    user,
                                    "c-" + user,
                                    "2024-03-27T00:00:00Z",
                                    ControlType.CONSOLIDATE_NOW));
                }
                io.readUntil(
                        h.topic(MemflowOptions.TOPIC_ANSWERS),
                        MemoryAnswer.class,
                        3,
                        Duration.ofSeconds(60));
                runs.add(
                        io.readAll(
                                h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                MemoryChange.class,
                                Duration.ofSeconds(3)));
            } finally {
                job.cancel().get();
            }
        }
        assertThat(runs.get(0)).isNotEmpty();
        assertThat(perMemory(runs.get(1))).isEqualTo(perMemory(runs.get(0)));
    }

    /**
     * Each memory's history in changelog order. The changelog is keyed by memory, so the order
     * between different memories depends on partitioning; within one memory it is fixed.
     */
    static Map<String, List<String>> perMemory(List<MemoryChange> changes) {
        Map<String, List<String>> out = new TreeMap<>();
        for (MemoryChange c : changes) {
            out.computeIfAbsent(c.getMemoryId(), k -> new ArrayList<>()).add(c.toString());
        }
        return out;
    }

    static void assertNoGapNoDuplicate(List<MemoryChange> changes) {
        assertThat(changes).extracting(MemoryChange::getChangeId).doesNotHaveDuplicates();
        Map<String, List<Integer>> versions = new LinkedHashMap<>();
        changes.forEach(
                c ->
                        versions.computeIfAbsent(c.getMemoryId(), k -> new ArrayList<>())
                                .add(c.getVersion()));
        versions.forEach(
                (id, v) -> {
                    List<Integer> expected = new ArrayList<>();
                    for (int i = 1; i <= v.size(); i++) {
                        expected.add(i);
                    }
                    assertThat(v).as("versions of " + id).isEqualTo(expected);
                });
    }

    /**
     * A scratch directory under target/ that JUnit does not delete: a cancelled job may still be
     * writing its last checkpoint files when the test method returns.
     */
    static Path scratch() throws java.io.IOException {
        Path base = Path.of("target", "it-scratch");
        java.nio.file.Files.createDirectories(base);
        return java.nio.file.Files.createTempDirectory(base.toAbsolutePath(), "run-");
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
