package io.memflow.operators.longterm;

import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.operators.ordering.WallClockTimer;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.LongTermMeta;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.state.MemoryStateDescriptors;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed shell of the long-term tier: inserts consolidated candidates, runs sleep-time consolidation
 * as of {@code last activity + sleepIdleGap} (event time) when the user has been idle that long: on
 * the user's own wall-clock timer ({@link WallClockTimer}), or on the next input after the gap,
 * whichever comes first (both give the same result, no other user's time moves either), answers
 * queries on the {@link #ANSWERS} side output, and acts on control commands. Main output: the
 * changelog.
 */
public class LongTermFunction extends KeyedProcessFunction<String, MemoryInput, MemoryChange> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<MemoryAnswer> ANSWERS =
            new OutputTag<>("answers", new AvroTypeInfo<>(MemoryAnswer.class));

    private final LongTermMemory memory;
    private final long sleepIdleGapMillis;
    private final int defaultK;
    private final long indexCacheMemories;

    private transient MapState<String, MemoryRecord> memories;
    private transient ValueState<LongTermMeta> metaState;
    private transient WallClockTimer sleepTimer;
    private transient MemoryTable table;
    private transient Map<ChangeType, Counter> changeCounters;
    private transient Counter active;
    private transient Counter superseded;
    private transient Counter archived;
    private transient Counter runs;
    private transient Counter reembedded;
    private transient Counter queries;
    private transient Histogram latency;
    private transient Histogram userEntries;
    private transient Histogram userBytes;

    private transient IndexCache indexes;

    public LongTermFunction(LongTermMemory memory, long sleepIdleGapMillis, int defaultK) {
        this(
                memory,
                sleepIdleGapMillis,
                defaultK,
                io.memflow.operators.config.MemflowOptions.INDEX_CACHE_MEMORIES.defaultValue());
    }

    /**
     * @param indexCacheMemories memories whose search structures the subtask keeps in memory
     *     ({@code memflow.retrieval.index-cache-memories}; 0: none, every query rebuilds them)
     */
    public LongTermFunction(
            LongTermMemory memory, long sleepIdleGapMillis, int defaultK, long indexCacheMemories) {
        this.memory = memory;
        this.sleepIdleGapMillis = sleepIdleGapMillis;
        this.defaultK = defaultK;
        this.indexCacheMemories = indexCacheMemories;
    }

    @Override
    public void open(OpenContext ctx) {
        memories = getRuntimeContext().getMapState(MemoryStateDescriptors.longTermMemories());
        indexes = new IndexCache(indexCacheMemories);
        metaState = getRuntimeContext().getState(MemoryStateDescriptors.longTermMeta());
        sleepTimer =
                new WallClockTimer(
                        getRuntimeContext(), MemoryStateDescriptors.LONG_TERM_SLEEP_TIMER);
        table =
                new MapStateTable(
                        memories,
                        getRuntimeContext().getMapState(MemoryStateDescriptors.longTermRetired()));
        var g = getRuntimeContext().getMetricGroup().addGroup(MemflowMetrics.GROUP);
        changeCounters = new EnumMap<>(ChangeType.class);
        for (ChangeType t : ChangeType.values()) {
            changeCounters.put(t, g.counter(MemflowMetrics.CHANGES_PREFIX + t.name()));
        }
        active = g.counter(MemflowMetrics.MEMORIES_ACTIVE);
        superseded = g.counter(MemflowMetrics.MEMORIES_SUPERSEDED);
        archived = g.counter(MemflowMetrics.MEMORIES_ARCHIVED);
        runs = g.counter(MemflowMetrics.CONSOLIDATION_RUNS);
        reembedded = g.counter(MemflowMetrics.MEMORIES_REEMBEDDED);
        queries = g.counter(MemflowMetrics.QUERIES_ANSWERED);
        latency =
                g.histogram(
                        MemflowMetrics.RETRIEVAL_LATENCY_MS,
                        new DescriptiveStatisticsHistogram(1000));
        userEntries =
                g.histogram(
                        MemflowMetrics.LONG_TERM_USER_ENTRIES,
                        new DescriptiveStatisticsHistogram(1000));
        userBytes =
                g.histogram(
                        MemflowMetrics.LONG_TERM_USER_BYTES,
                        new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void processElement(MemoryInput in, Context ctx, Collector<MemoryChange> out)
            throws Exception {
        LongTermMeta meta = metaState.value();
        if (meta == null) {
            meta = LongTermMemory.emptyMeta();
        }
        if (in.getQuery() == null) {
            indexes.invalidate(ctx.getCurrentKey()); // anything but a query may change memories
        }
        // a user idle for the gap sleeps before anything newer is applied, as the timer would do
        if (meta.getDirtySinceConsolidation()
                && in.getEventTime() >= meta.getLastActivityTime() + sleepIdleGapMillis) {
            sleepTimer.cancel(ctx.timerService());
            indexes.invalidate(ctx.getCurrentKey());
            sleep(meta, meta.getLastActivityTime() + sleepIdleGapMillis, out);
        }
        if (!in.getCandidates().isEmpty()) {
            if (meta.getDirtySinceConsolidation()) {
                sleepTimer.cancel(ctx.timerService());
            }
            emit(memory.insert(table, meta, in.getCandidates()), out);
            if (meta.getDirtySinceConsolidation()) {
                sleepTimer.schedule(ctx.timerService(), sleepIdleGapMillis);
            }
            update(meta);
        } else if (in.getQuery() != null) {
            long start = System.nanoTime();
            MemoryAnswer a =
                    memory.answer(
                            table,
                            in.getQuery(),
                            indexes.forQuery(
                                    ctx.getCurrentKey(),
                                    table,
                                    in.getPending(),
                                    memory.retriever()),
                            defaultK);
            latency.update((System.nanoTime() - start) / 1_000_000);
            queries.inc();
            ctx.output(ANSWERS, a);
            if (metaState.value() != null) {
                // a sleep run above changed it; a query alone never creates state for a user
                metaState.update(meta);
            }
        } else if (in.getControl() != null) {
            control(in, meta, ctx, out);
        }
    }

    /**
     * One branch per command; a command this version does not know passes without touching state
     * (the decoder dead-letters it before it gets here).
     */
    private void control(
            MemoryInput in, LongTermMeta meta, Context ctx, Collector<MemoryChange> out)
            throws Exception {
        ControlCommand c = in.getControl();
        switch (c.getType()) {
            case CONSOLIDATE_NOW -> {
                if (meta.getDirtySinceConsolidation()) {
                    sleepTimer.cancel(ctx.timerService());
                }
                sleep(meta, in.getEventTime(), out);
                update(meta);
            }
            case FORGET_USER -> {
                if (meta.getDirtySinceConsolidation()) {
                    sleepTimer.cancel(ctx.timerService());
                }
                emit(memory.forget(table, c.getTenantId(), c.getUserId(), in.getEventTime()), out);
                metaState.clear();
                ctx.output(
                        ANSWERS,
                        Tombstones.answersOf(c.getTenantId(), c.getUserId(), in.getEventTime()));
            }
            case DELETE_MEMORY -> {
                List<MemoryChange> deleted =
                        memory.delete(
                                table,
                                c.getTenantId(),
                                c.getUserId(),
                                c.getMemoryId(),
                                in.getEventTime());
                emit(deleted, out);
                if (!deleted.isEmpty()) {
                    // answers that used the memory carry its text
                    ctx.output(
                            ANSWERS,
                            Tombstones.answersOf(
                                    c.getTenantId(), c.getUserId(), in.getEventTime()));
                }
            }
            default -> {
                // unknown to this version: never clear or change state
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MemoryChange> out)
            throws Exception {
        LongTermMeta meta = metaState.value();
        // event-time timers are left only by savepoints of the job-wide watermark era
        boolean due =
                ctx.timeDomain() == TimeDomain.EVENT_TIME
                        ? meta != null && sleepDeadline(meta) == timestamp
                        : sleepTimer.fired(timestamp);
        if (meta == null || !meta.getDirtySinceConsolidation() || !due) {
            return;
        }
        // the run happens as of the event-time deadline, whatever the wall clock says
        indexes.invalidate(ctx.getCurrentKey());
        sleep(meta, sleepDeadline(meta), out);
        update(meta);
    }

    private void update(LongTermMeta meta) throws Exception {
        metaState.update(meta);
        userEntries.update(meta.getHotEntries());
        userBytes.update(meta.getHotBytes());
    }

    private void sleep(LongTermMeta meta, long time, Collector<MemoryChange> out) throws Exception {
        runs.inc();
        emit(memory.sleep(table, meta, time), out);
    }

    private long sleepDeadline(LongTermMeta meta) {
        return meta.getLastActivityTime() + sleepIdleGapMillis;
    }

    private void emit(List<MemoryChange> changes, Collector<MemoryChange> out) {
        for (MemoryChange c : changes) {
            if (Tombstones.is(c)) {
                out.collect(c);
                continue;
            }
            changeCounters.get(c.getType()).inc();
            if (LongTermMemory.isReembedding(c)) {
                reembedded.inc();
            }
            switch (c.getType()) {
                case ADD -> active.inc();
                case SUPERSEDE -> {
                    active.dec();
                    superseded.inc();
                }
                case ARCHIVE -> {
                    active.dec();
                    archived.inc();
                }
                case MERGE -> {
                    if (c.getRecord().getStatus() == io.memflow.schemas.MemoryStatus.MERGED) {
                        active.dec();
                    }
                }
                default -> {
                    // UPDATE keeps the status; a DELETE carries ids only (no status to count
                    // down from), so the status counters stay as they were
                }
            }
            out.collect(c);
        }
    }
}
