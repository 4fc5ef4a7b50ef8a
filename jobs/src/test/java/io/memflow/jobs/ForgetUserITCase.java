package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.control;
import static io.memflow.jobs.JobHarness.conversation;
import static io.memflow.jobs.JobHarness.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.inference.InferenceSettings;
import io.memflow.operators.inference.SharedEngines;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.codec.WireFormatException;
import io.memflow.state.MemoryStateDescriptors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * FORGET_USER and DELETE_MEMORY: afterwards a savepoint, read offline with the State Processor API,
 * holds no entry for the forgotten user in any tier and not the deleted memory; the changelog has a
 * DELETE for every memory the user had; and once Kafka has compacted the changelog and the answers
 * (created here with aggressive compaction), reading both from the beginning finds no record of the
 * forgotten user or the deleted memory with a value, while the other user's memories are intact.
 */
class ForgetUserITCase {
    static final String FORGET_TIME = "2024-03-25T18:30:00Z";

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(new Configuration())
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @Test
    void forgetUserLeavesNoStateAndDeletesEveryMemory() throws Exception {
        Path dir = MemflowJobITCase.scratch();
        String savepoint;
        List<MemoryChange> changes;
        String seattle;
        Set<String> annMemories = new HashSet<>();
        List<ConsumerRecord<byte[], byte[]>> compacted;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            Map<String, String> compactFast =
                    Map.of(
                            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.SEGMENT_MS_CONFIG, "100",
                            TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01",
                            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0",
                            TopicConfig.DELETE_RETENTION_MS_CONFIG, "600000");
            JobHarness h =
                    new JobHarness(
                            kafka,
                            "forget",
                            dir.resolve("cp"),
                            Map.of(
                                    MemflowOptions.TOPIC_MEMORY_CHANGES, compactFast,
                                    MemflowOptions.TOPIC_ANSWERS, compactFast));
            // with a model, so the inference tier (utterances, episodes, KV caches) is forgotten
            // too
            h.conf.set(MemflowOptions.MODEL_PATH, SharedData.storiesModel().toString());
            h.conf.set(MemflowOptions.MAX_NEW_TOKENS, 4);
            InferenceSettings settings = InferenceSettings.of(h.conf);
            JobClient job = h.start(null);
            try (TopicIo io = h.io()) {
                for (String user : List.of("ann", "bob")) {
                    conversation("t1", user)
                            .forEach(t -> io.send(h.topic(MemflowOptions.TOPIC_TURNS), t));
                }
                h.awaitFirstChange(io);
                // a question before the forget builds ann's episodes and a KV cache
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query("t1", "ann", "qa0", "2024-03-25T18:20:00Z", "Where does Ann live?"));
                awaitAnswer(io, h.topic(MemflowOptions.TOPIC_ANSWERS), "qa0");
                annMemories.addAll(memoryIdsOf(io, h, "ann"));
                // ann's last turns are still in short-term memory and the sensory ring when she is
                // forgotten
                io.send(
                        h.topic(MemflowOptions.TOPIC_CONTROL),
                        control("t1", "ann", "f1", FORGET_TIME, ControlType.FORGET_USER));
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query("t1", "ann", "qa", "2024-03-25T18:40:00Z", "Where does Ann live?"));
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query("t1", "bob", "qb", "2024-03-25T18:40:00Z", "Where does Ann live?"));
                List<MemoryAnswer> answers =
                        io.readUntil(
                                h.topic(MemflowOptions.TOPIC_ANSWERS),
                                MemoryAnswer.class,
                                3,
                                Duration.ofSeconds(90));
                assertThat(answers).hasSize(3);
                for (MemoryAnswer a : answers) {
                    if (a.getQueryId().equals("qa0")) {
                        assertThat(a.getMemories()).as("ann before the forget").isNotEmpty();
                    } else if (a.getUserId().equals("ann")) {
                        assertThat(a.getMemories())
                                .as("nothing of ann is left to retrieve")
                                .isEmpty();
                    } else {
                        assertThat(a.getMemories()).isNotEmpty();
                    }
                }
                assertThat(SharedEngines.poolOf(settings).holdsAny("t1|ann#"))
                        .as("ann's KV caches dropped from the engine's pool")
                        .isFalse();

                // DELETE_MEMORY of bob's Seattle memory; his question after it does not see it
                seattle =
                        io
                                .readAll(
                                        h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                        MemoryChange.class,
                                        Duration.ofSeconds(1))
                                .stream()
                                .filter(
                                        c ->
                                                c.getUserId().equals("bob")
                                                        && c.getRecord()
                                                                .getText()
                                                                .contains("Seattle"))
                                .map(MemoryChange::getMemoryId)
                                .findFirst()
                                .orElseThrow();
                ControlCommand delete =
                        control(
                                "t1",
                                "bob",
                                "d1",
                                "2024-03-25T18:45:00Z",
                                ControlType.DELETE_MEMORY);
                delete.setMemoryId(seattle);
                io.send(h.topic(MemflowOptions.TOPIC_CONTROL), delete);
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query(
                                "t1",
                                "bob",
                                "qb2",
                                "2024-03-25T18:50:00Z",
                                "Where does Ann live now?"));
                MemoryAnswer afterDelete =
                        awaitAnswer(io, h.topic(MemflowOptions.TOPIC_ANSWERS), "qb2");
                assertThat(afterDelete.getMemories())
                        .isNotEmpty()
                        .noneMatch(m -> m.getMemoryId().equals(seattle));
                savepoint =
                        job.stopWithSavepoint(
                                        false,
                                        dir.resolve("sp").toUri().toString(),
                                        SavepointFormatType.CANONICAL)
                                .get();
                changes =
                        io.readAll(
                                h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                MemoryChange.class,
                                Duration.ofSeconds(2));
                compacted =
                        assertCompactedAway(
                                io,
                                h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                h.topic(MemflowOptions.TOPIC_ANSWERS),
                                seattle);
            }
        }

        // the changelog is compacted while the test runs: what must hold is a tombstone for every
        // memory ann had and for the deleted one (DELETE records may be compacted away already)
        Set<String> tombstoned = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : compacted) {
            if (r.value() == null) {
                tombstoned.add(new String(r.key(), StandardCharsets.UTF_8));
            }
        }
        assertThat(annMemories).isNotEmpty();
        for (String id : annMemories) {
            assertThat(tombstoned).contains("t1/ann/" + id);
        }
        assertThat(tombstoned).contains("t1/bob/" + seattle);
        assertThat(changes)
                .filteredOn(c -> c.getUserId().equals("bob") && c.getType() == ChangeType.DELETE)
                .extracting(MemoryChange::getMemoryId)
                .as("bob lost only the deleted memory (its DELETE may be compacted away already)")
                .allMatch(seattle::equals);
        assertThat(changes)
                .filteredOn(c -> c.getType() == ChangeType.DELETE)
                .allSatisfy(
                        c -> {
                            assertThat(c.getRecord().getText()).isEmpty();
                            assertThat(c.getRecord().getSpeaker()).isNull();
                            assertThat(c.getRecord().getSubject()).isNull();
                            assertThat(c.getRecord().getSourceTurnIds()).isEmpty();
                        });
        assertThat(keysIn(savepoint, Uids.LONG_TERM, new LongTermMemoryIds()))
                .as("long-term memories and retired ids in the savepoint")
                .noneMatch(k -> k.startsWith("t1|ann:"))
                .doesNotContain("t1|bob:" + seattle)
                .anyMatch(k -> k.startsWith("t1|bob:"));

        assertThat(keysIn(savepoint, Uids.EVENT_ORDER, new EventOrderKeys()))
                .as("event-order tier")
                .doesNotContain("t1|ann");
        assertThat(keysIn(savepoint, Uids.SENSORY, new SensoryKeys()))
                .as("sensory tier")
                .doesNotContain("t1|ann");
        assertThat(keysIn(savepoint, Uids.SHORT_TERM, new ShortTermKeys()))
                .as("short-term tier")
                .doesNotContain("t1|ann");
        Set<String> longTerm = keysIn(savepoint, Uids.LONG_TERM, new LongTermKeys());
        assertThat(longTerm).as("long-term tier").doesNotContain("t1|ann");
        assertThat(longTerm).as("bob's memory is still in the savepoint").contains("t1|bob");
        Set<String> inference = keysIn(savepoint, Uids.INFERENCE_EPISODES, new InferenceKeys());
        assertThat(inference).as("inference tier").doesNotContain("t1|ann").contains("t1|bob");
    }

    /**
     * Rolls the active segments (compaction never touches them) and waits until the log cleaner has
     * removed every record with a value under a key of ann (changelog and answers) or of the
     * deleted memory: what is left of them is tombstones at most. Bob's memories keep their values.
     */
    static List<ConsumerRecord<byte[], byte[]>> assertCompactedAway(
            TopicIo io, String changes, String answers, String deleted)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<String> left = List.of("not read yet");
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(300);
            // a record after segment.ms rolls the segment that holds the tombstones
            io.sendRaw(changes, "roll", null, null);
            io.sendRaw(answers, "roll", null, null);
            left = new ArrayList<>();
            for (String topic : List.of(changes, answers)) {
                for (ConsumerRecord<byte[], byte[]> r :
                        io.readRecords(topic, Duration.ofMillis(500))) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() != null
                            && (key.startsWith("t1/ann") || key.endsWith("/" + deleted))
                            && !askedAfterTheForget(topic.equals(answers), r)) {
                        left.add(topic + " " + key + "@" + r.offset());
                    }
                }
            }
        }
        assertThat(left).as("records of ann or of the deleted memory with a value").isEmpty();
        List<ConsumerRecord<byte[], byte[]>> last = io.readRecords(changes, Duration.ofMillis(500));
        assertThat(last)
                .as("bob's memories survive compaction")
                .anyMatch(
                        r ->
                                r.value() != null
                                        && new String(r.key(), StandardCharsets.UTF_8)
                                                .startsWith("t1/bob/"));
        return last;
    }

    static Set<String> memoryIdsOf(TopicIo io, JobHarness h, String user) {
        Set<String> ids = new HashSet<>();
        for (MemoryChange c :
                io.readAll(
                        h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                        MemoryChange.class,
                        Duration.ofSeconds(1))) {
            if (c.getUserId().equals(user)) {
                ids.add(c.getMemoryId());
            }
        }
        return ids;
    }

    /**
     * Ann's question after the forget is new input, answered (with nothing) after the tombstone.
     */
    static boolean askedAfterTheForget(boolean answer, ConsumerRecord<byte[], byte[]> r) {
        try {
            return answer
                    && WireFormat.decode(r.value(), MemoryAnswer.class)
                            .getQueryTime()
                            .isAfter(Instant.parse(FORGET_TIME));
        } catch (WireFormatException e) {
            throw new AssertionError(e);
        }
    }

    static MemoryAnswer awaitAnswer(TopicIo io, String topic, String queryId)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (MemoryAnswer a : io.readAll(topic, MemoryAnswer.class, Duration.ofMillis(500))) {
                if (a.getQueryId().equals(queryId)) {
                    return a;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no answer to " + queryId + " on " + topic);
    }

    static Set<String> keysIn(
            String savepoint, String uid, KeyedStateReaderFunction<String, String> reader)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SavepointReader sp =
                SavepointReader.read(env, savepoint, new EmbeddedRocksDBStateBackend());
        Set<String> keys = new HashSet<>();
        try (CloseableIterator<String> it =
                sp.readKeyedState(
                                OperatorIdentifier.forUid(uid), reader, Types.STRING, Types.STRING)
                        .executeAndCollect()) {
            it.forEachRemaining(keys::add);
        }
        return keys;
    }

    /** Emits the key when the event-order buffer holds anything for it. */
    static final class EventOrderKeys extends KeyedStateReaderFunction<String, String> {
        private transient MapState<Long, ?> held;

        @Override
        public void open(OpenContext ctx) {
            held = getRuntimeContext().getMapState(MemoryStateDescriptors.eventOrder());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<String> out) throws Exception {
            if (!held.isEmpty()) {
                out.collect(key);
            }
        }
    }

    static final class SensoryKeys extends KeyedStateReaderFunction<String, String> {
        private transient ValueState<?> state;

        @Override
        public void open(OpenContext ctx) {
            state = getRuntimeContext().getState(MemoryStateDescriptors.sensory());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<String> out) throws Exception {
            if (state.value() != null) {
                out.collect(key);
            }
        }
    }

    static final class ShortTermKeys extends KeyedStateReaderFunction<String, String> {
        private transient ValueState<?> state;

        @Override
        public void open(OpenContext ctx) {
            state = getRuntimeContext().getState(MemoryStateDescriptors.shortTerm());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<String> out) throws Exception {
            if (state.value() != null) {
                out.collect(key);
            }
        }
    }

    static final class LongTermKeys extends KeyedStateReaderFunction<String, String> {
        private transient MapState<String, ?> memories;
        private transient ValueState<?> meta;

        @Override
        public void open(OpenContext ctx) {
            memories = getRuntimeContext().getMapState(MemoryStateDescriptors.longTermMemories());
            meta = getRuntimeContext().getState(MemoryStateDescriptors.longTermMeta());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<String> out) throws Exception {
            if (!memories.isEmpty() || meta.value() != null) {
                out.collect(key);
            }
        }
    }

    /** Emits key:memoryId for every hot long-term record and retired id. */
    static final class LongTermMemoryIds extends KeyedStateReaderFunction<String, String> {
        private transient MapState<String, ?> memories;
        private transient MapState<String, String> retired;

        @Override
        public void open(OpenContext ctx) {
            memories = getRuntimeContext().getMapState(MemoryStateDescriptors.longTermMemories());
            retired = getRuntimeContext().getMapState(MemoryStateDescriptors.longTermRetired());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<String> out) throws Exception {
            for (String id : memories.keys()) {
                out.collect(key + ":" + id);
            }
            for (String id : retired.keys()) {
                out.collect(key + ":" + id);
            }
        }
    }

    static final class InferenceKeys extends KeyedStateReaderFunction<String, String> {
        private transient ListState<?> utterances;
        private transient ValueState<?> seen;
        private transient ValueState<?> episodes;
        private transient ListState<?> pending;

        @Override
        public void open(OpenContext ctx) {
            utterances =
                    getRuntimeContext().getListState(MemoryStateDescriptors.inferenceUtterances());
            seen = getRuntimeContext().getState(MemoryStateDescriptors.inferenceSeen());
            episodes = getRuntimeContext().getState(MemoryStateDescriptors.inferenceEpisodes());
            pending = getRuntimeContext().getListState(MemoryStateDescriptors.inferencePending());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<String> out) throws Exception {
            if (utterances.get().iterator().hasNext()
                    || seen.value() != null
                    || episodes.value() != null
                    || pending.get().iterator().hasNext()) {
                out.collect(key);
            }
        }
    }
}
