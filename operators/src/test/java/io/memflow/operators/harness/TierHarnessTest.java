package io.memflow.operators.harness;

import static io.memflow.operators.TestData.envelope;
import static io.memflow.operators.TestData.input;
import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.operators.TestingEmbedder;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.longterm.LongTermFunction;
import io.memflow.operators.longterm.LongTermMemory;
import io.memflow.operators.longterm.Tombstones;
import io.memflow.operators.ordering.EventOrderFunction;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.sensory.HeuristicTokenScorer;
import io.memflow.operators.sensory.SensoryFilter;
import io.memflow.operators.sensory.SensoryFunction;
import io.memflow.operators.shortterm.AdaptiveTopicBoundary;
import io.memflow.operators.shortterm.AdaptiveTopicBoundaryTest;
import io.memflow.operators.shortterm.ShortTermBuffer;
import io.memflow.operators.shortterm.ShortTermFunction;
import io.memflow.operators.shortterm.TopicBoundary;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import io.memflow.state.MemoryStateDescriptors;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Each stateful tier in Flink's operator test harness: output, state entries and timers after each
 * step, and a snapshot restored into a fresh harness that carries on where it stopped.
 */
class TierHarnessTest {
    static final long HOUR = Duration.ofHours(1).toMillis();

    static <O> KeyedOneInputStreamOperatorTestHarness<String, MemoryInput, O> harness(
            KeyedProcessFunction<String, MemoryInput, O> f) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(f), MemoryInput::getKey, Types.STRING);
    }

    static MemoryInput control(String time, ControlType type) {
        long t = Instant.parse(time).toEpochMilli();
        return envelope(t)
                .setControl(
                        ControlCommand.newBuilder()
                                .setCommandId("c-" + t)
                                .setTenantId(TestData.TENANT)
                                .setUserId(TestData.USER)
                                .setType(type)
                                .setIssuedAt(Instant.ofEpochMilli(t))
                                .build())
                .build();
    }

    static MemoryInput query(String time, String text) {
        long t = Instant.parse(time).toEpochMilli();
        return envelope(t)
                .setQuery(
                        MemoryQuery.newBuilder()
                                .setQueryId("q-" + t)
                                .setTenantId(TestData.TENANT)
                                .setUserId(TestData.USER)
                                .setText(text)
                                .setQueryTime(Instant.ofEpochMilli(t))
                                .build())
                .build();
    }

    static <T> List<T> values(ConcurrentLinkedQueue<Object> output, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Object o : output) {
            if (o instanceof StreamRecord<?> r && type.isInstance(r.getValue())) {
                out.add(type.cast(r.getValue()));
            }
        }
        return out;
    }

    @Test
    void sensoryDropsNoiseAndRemembersRecentTurnsAcrossRestore() throws Exception {
        SensoryFilter filter = new SensoryFilter(8, 0.97, 0.7, new HeuristicTokenScorer());
        OperatorSubtaskState snapshot;
        try (var h = harness(new SensoryFunction(filter))) {
            h.open();
            h.processElement(
                    input(
                            obs(
                                    "d1",
                                    "s1",
                                    "2024-03-04T10:00:00Z",
                                    "Ann",
                                    "I adopted a beagle named Pepper.")),
                    1);
            h.processElement(
                    input(obs("d2", "s1", "2024-03-04T10:01:00Z", "Ann", "haha ok thanks!")), 2);
            assertThat(values(h.getOutput(), MemoryInput.class))
                    .singleElement()
                    .satisfies(
                            m ->
                                    assertThat(m.getObservation().getCompressedText())
                                            .contains("Pepper"));
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            snapshot = h.snapshot(1, 3);
        }
        try (var h = harness(new SensoryFunction(filter))) {
            h.initializeState(snapshot);
            h.open();
            // the ring survived: the same statement again is a near-duplicate
            h.processElement(
                    input(
                            obs(
                                    "d3",
                                    "s2",
                                    "2024-03-05T10:00:00Z",
                                    "Ann",
                                    "I adopted a beagle named Pepper.")),
                    4);
            assertThat(values(h.getOutput(), MemoryInput.class)).isEmpty();
            h.processElement(control("2024-03-06T00:00:00Z", ControlType.FORGET_USER), 5);
            assertThat(values(h.getOutput(), MemoryInput.class)).hasSize(1);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void shortTermFlushesOnIdleTimerAfterRestore() throws Exception {
        ShortTermBuffer buffer = new ShortTermBuffer(512, HOUR / 2, TopicBoundary.sessionsOnly());
        Observation a = obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I live in Boston.");
        OperatorSubtaskState snapshot;
        try (var h = harness(new ShortTermFunction(buffer))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(input(a), a.getEventTime());
            h.processElement(query("2024-03-04T10:05:00Z", "where?"), a.getEventTime() + 1);
            // the query carries the buffered turn; nothing is flushed yet
            List<MemoryInput> out = values(h.getOutput(), MemoryInput.class);
            assertThat(out)
                    .singleElement()
                    .satisfies(
                            q ->
                                    assertThat(q.getPending())
                                            .extracting(Observation::getId)
                                            .containsExactly("d1"));
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            // the buffer and its timer's firing time
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
            snapshot = h.snapshot(1, 2);
        }
        try (var h = harness(new ShortTermFunction(buffer))) {
            h.initializeState(snapshot);
            h.open();
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            // the watermark no longer fires it: the user's own silence on the wall clock does
            h.processWatermark(a.getEventTime() + HOUR);
            assertThat(values(h.getOutput(), MemoryInput.class)).isEmpty();
            h.setProcessingTime(HOUR / 2);
            List<MemoryInput> out = values(h.getOutput(), MemoryInput.class);
            assertThat(out)
                    .singleElement()
                    .satisfies(
                            b -> {
                                assertThat(b.getBatch().getTrigger()).isEqualTo("idle");
                                assertThat(b.getBatch().getSegments().get(0).getObservations())
                                        .extracting(Observation::getId)
                                        .containsExactly("d1");
                            });
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void shortTermCutsTopicsAdaptivelyAcrossRestore() throws Exception {
        ShortTermBuffer buffer =
                new ShortTermBuffer(
                        512, HOUR / 2, new AdaptiveTopicBoundary(0.2, new TestingEmbedder()));
        List<Observation> run = AdaptiveTopicBoundaryTest.dogThenJob();
        OperatorSubtaskState snapshot;
        try (var h = harness(new ShortTermFunction(buffer))) {
            h.open();
            h.setProcessingTime(0);
            for (Observation o : run.subList(0, 4)) {
                h.processElement(input(o), o.getEventTime());
            }
            assertThat(values(h.getOutput(), MemoryInput.class)).isEmpty();
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            snapshot = h.snapshot(1, 2);
        }
        try (var h = harness(new ShortTermFunction(buffer))) {
            h.initializeState(snapshot);
            h.open();
            for (Observation o : run.subList(4, 6)) {
                h.processElement(input(o), o.getEventTime());
            }
            // the idle timer closes the run; the cut falls between the dog and the job
            h.setProcessingTime(HOUR / 2);
            assertThat(values(h.getOutput(), MemoryInput.class))
                    .singleElement()
                    .satisfies(
                            b -> {
                                assertThat(b.getBatch().getSegments())
                                        .extracting(Segment::getSegmentId)
                                        .containsExactly(
                                                TestData.KEY + "#d1", TestData.KEY + "#d4");
                                assertThat(b.getBatch().getSegments().get(1).getObservations())
                                        .extracting(Observation::getId)
                                        .containsExactly("d4", "d5", "d6");
                            });
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void longTermSupersedesOnSleepTimerAnswersAndForgets() throws Exception {
        LongTermMemory memory = new LongTermMemory(5000, 0.9, new Retriever());
        ExtractiveConsolidator consolidator = new ExtractiveConsolidator();
        OperatorSubtaskState snapshot;
        try (var h = harness(new LongTermFunction(memory, 2 * HOUR, 10))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(
                    candidates(
                            consolidator,
                            obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I live in Boston.")),
                    1);
            h.processElement(
                    candidates(
                            consolidator,
                            obs(
                                    "d2",
                                    "s2",
                                    "2024-03-25T10:00:00Z",
                                    "Ann",
                                    "We just moved to Seattle!")),
                    2);
            assertThat(values(h.getOutput(), MemoryChange.class))
                    .extracting(MemoryChange::getType)
                    .containsExactly(ChangeType.ADD, ChangeType.ADD);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            snapshot = h.snapshot(1, 3);
        }
        try (var h = harness(new LongTermFunction(memory, 2 * HOUR, 10))) {
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(2 * HOUR);
            List<MemoryChange> slept = values(h.getOutput(), MemoryChange.class);
            assertThat(slept)
                    .extracting(MemoryChange::getType)
                    .containsExactly(ChangeType.SUPERSEDE);
            // as of the event-time deadline, not the wall clock that fired it
            assertThat(slept.get(0).getChangeTime())
                    .isEqualTo(Instant.parse("2024-03-25T12:00:00Z"));
            assertThat(h.numProcessingTimeTimers()).isZero();
            h.processElement(query("2024-03-26T00:00:00Z", "Where does Ann live?"), 4);
            List<MemoryAnswer> answers = new ArrayList<>();
            h.getSideOutput(LongTermFunction.ANSWERS).forEach(r -> answers.add(r.getValue()));
            assertThat(answers)
                    .singleElement()
                    .satisfies(
                            a ->
                                    assertThat(a.getMemories().get(0).getSourceTurnIds())
                                            .containsExactly("d2"));
            h.processElement(control("2024-03-27T00:00:00Z", ControlType.FORGET_USER), 5);
            List<MemoryChange> deletes =
                    values(h.getOutput(), MemoryChange.class).stream()
                            .filter(c -> c.getType() == ChangeType.DELETE)
                            .toList();
            // a DELETE with ids only, then the tombstone of the key, for each memory
            assertThat(deletes).hasSize(4);
            for (int i = 0; i < 4; i += 2) {
                assertThat(Tombstones.is(deletes.get(i))).isFalse();
                assertThat(deletes.get(i).getRecord().getText()).isEmpty();
                assertThat(deletes.get(i).getRecord().getSourceTurnIds()).isEmpty();
                assertThat(Tombstones.is(deletes.get(i + 1))).isTrue();
                assertThat(deletes.get(i + 1).getMemoryId())
                        .isEqualTo(deletes.get(i).getMemoryId());
            }
            List<MemoryAnswer> after = new ArrayList<>();
            h.getSideOutput(LongTermFunction.ANSWERS).forEach(r -> after.add(r.getValue()));
            assertThat(after).hasSize(2).last().matches(Tombstones::is);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    /**
     * 10,000 turns of one user, consolidated every 50 turns, with a capacity of 40 active memories
     * and a bound of 100 hot records: the hot state never holds more than the bound, and every
     * answer is the one a run without a bound gives (only archived and merged records left).
     */
    @Test
    void longTermStateStaysBoundedOverTenThousandTurns() throws Exception {
        ExtractiveConsolidator consolidator = new ExtractiveConsolidator();
        LongTermMemory bounded =
                new LongTermMemory(
                        40, 0.9, new Retriever(), new LongTermMemory.Bounds(100, 1L << 20, HOUR));
        LongTermMemory unbounded =
                new LongTermMemory(
                        40,
                        0.9,
                        new Retriever(),
                        new LongTermMemory.Bounds(
                                Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE));
        String[] things = {"kayak", "violin", "lamp", "tent", "bike", "camera", "rug", "clock"};
        String[] places = {"Lisbon", "Oslo", "Kyoto", "Quito", "Accra", "Perth", "Lima"};
        long start = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
        int maxHot = 0;
        int answersCompared = 0;
        try (var b = harness(new LongTermFunction(bounded, 1000 * HOUR, 5));
                var u = harness(new LongTermFunction(unbounded, 1000 * HOUR, 5))) {
            b.open();
            u.open();
            for (int i = 0; i < 10_000; i++) {
                long t = start + i * 60_000L;
                String at = Instant.ofEpochMilli(t).toString();
                MemoryInput in =
                        candidates(
                                consolidator,
                                obs(
                                        "d" + i,
                                        "s" + (i / 200),
                                        at,
                                        "Ann",
                                        "I bought a "
                                                + things[i % things.length]
                                                + " number "
                                                + i
                                                + " in "
                                                + places[i % places.length]
                                                + "."));
                b.processElement(in, t);
                u.processElement(in, t);
                if (i % 50 == 49) {
                    MemoryInput c = control(at, ControlType.CONSOLIDATE_NOW);
                    b.processElement(c, t);
                    u.processElement(c, t);
                    maxHot = Math.max(maxHot, hotRecords(b));
                }
                if (i % 1000 == 999) {
                    MemoryInput q =
                            query(
                                    Instant.ofEpochMilli(t + 1).toString(),
                                    "Where did Ann buy the "
                                            + things[i % things.length]
                                            + " number "
                                            + i
                                            + "?");
                    b.processElement(q, t + 1);
                    u.processElement(q, t + 1);
                    answersCompared++;
                }
                maxHot = Math.max(maxHot, i % 97 == 0 ? hotRecords(b) : 0);
            }
            assertThat(maxHot).isPositive().isLessThanOrEqualTo(100);
            assertThat(hotRecords(u)).isGreaterThan(1000);
            List<MemoryAnswer> bAnswers = new ArrayList<>();
            List<MemoryAnswer> uAnswers = new ArrayList<>();
            b.getSideOutput(LongTermFunction.ANSWERS).forEach(r -> bAnswers.add(r.getValue()));
            u.getSideOutput(LongTermFunction.ANSWERS).forEach(r -> uAnswers.add(r.getValue()));
            assertThat(bAnswers).hasSize(answersCompared);
            assertThat(bAnswers.get(0).getMemories()).isNotEmpty();
            assertThat(bAnswers).isEqualTo(uAnswers);
        }
    }

    /** Hot long-term records of the test user, read from the harness's keyed state. */
    private static int hotRecords(KeyedOneInputStreamOperatorTestHarness<String, MemoryInput, ?> h)
            throws Exception {
        var backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(TestData.KEY);
        int n = 0;
        for (var ignored :
                backend.getPartitionedState(
                                VoidNamespace.INSTANCE,
                                VoidNamespaceSerializer.INSTANCE,
                                MemoryStateDescriptors.longTermMemories())
                        .keys()) {
            n++;
        }
        return n;
    }

    @Test
    void eventOrderReleasesInputsSortedByEventTime() throws Exception {
        try (var h = harness(new EventOrderFunction(5_000, 1_000))) {
            h.open();
            h.setProcessingTime(0);
            MemoryInput late = query("2024-03-04T10:05:00Z", "where?");
            MemoryInput early =
                    input(obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I live in Boston."));
            MemoryInput between =
                    input(obs("d2", "s1", "2024-03-04T10:04:58Z", "Ann", "Near the river."));
            h.processElement(late, late.getEventTime());
            h.processElement(between, between.getEventTime());
            assertThat(values(h.getOutput(), MemoryInput.class)).isEmpty();
            // behind the user's clock (the question minus 5 s): late, passed on at once, and
            // still ahead of the held question
            h.processElement(early, early.getEventTime());
            assertThat(values(h.getOutput(), MemoryInput.class)).containsExactly(early);
            // one quiet-release timer per user, and one for the end of a bounded input
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            h.setProcessingTime(1_000);
            assertThat(values(h.getOutput(), MemoryInput.class))
                    .containsExactly(early, between, late);
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            // the user's clock is all that is left
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
        }
    }

    @Test
    void eventOrderReleasesEverythingAtTheEndOfABoundedInput() throws Exception {
        try (var h = harness(new EventOrderFunction(Long.MAX_VALUE / 4, Long.MAX_VALUE / 4))) {
            h.open();
            h.setProcessingTime(0);
            MemoryInput q = query("2024-03-04T10:05:00Z", "where?");
            MemoryInput o =
                    input(obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I live in Boston."));
            h.processElement(q, 1);
            h.processElement(o, 2);
            h.setProcessingTime(Long.MAX_VALUE / 8);
            assertThat(values(h.getOutput(), MemoryInput.class)).isEmpty();
            h.processWatermark(Long.MAX_VALUE);
            assertThat(values(h.getOutput(), MemoryInput.class)).containsExactly(o, q);
        }
    }

    static MemoryInput candidates(ExtractiveConsolidator c, Observation o) {
        Segment s =
                Segment.newBuilder()
                        .setSegmentId(TestData.KEY + "#" + o.getId())
                        .setObservations(List.of(o))
                        .build();
        SegmentBatch b =
                SegmentBatch.newBuilder()
                        .setBatchId(s.getSegmentId())
                        .setSegments(List.of(s))
                        .setFlushTime(o.getEventTime())
                        .setTrigger("tokens")
                        .build();
        return envelope(o.getEventTime())
                .setCandidates(c.consolidate(TestData.TENANT, TestData.USER, b))
                .build();
    }
}
