package io.memflow.operators.shortterm;

import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.operators.ordering.WallClockTimer;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.SegmentBatch;
import io.memflow.schemas.internal.ShortTermState;
import io.memflow.state.MemoryStateDescriptors;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed shell of the short-term tier. Buffers observations with {@link ShortTermBuffer}, emits
 * flushed batches, keeps one wall-clock timer per user ({@link WallClockTimer}) that flushes the
 * buffer as of {@code last event + idle gap} once the user has been silent that long, attaches the
 * buffered observations to queries, and acts on CONSOLIDATE_NOW (flush) and FORGET_USER (clear).
 */
public class ShortTermFunction extends KeyedProcessFunction<String, MemoryInput, MemoryInput> {
    private static final long serialVersionUID = 1L;

    private final ShortTermBuffer buffer;
    private transient ValueState<ShortTermState> state;
    private transient WallClockTimer idle;
    private transient Counter segmentsClosed;
    private transient Counter batchesFlushed;

    public ShortTermFunction(ShortTermBuffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public void open(OpenContext ctx) {
        state = getRuntimeContext().getState(MemoryStateDescriptors.shortTerm());
        idle =
                new WallClockTimer(
                        getRuntimeContext(), MemoryStateDescriptors.SHORT_TERM_IDLE_TIMER);
        var g = getRuntimeContext().getMetricGroup().addGroup(MemflowMetrics.GROUP);
        segmentsClosed = g.counter(MemflowMetrics.SEGMENTS_CLOSED);
        batchesFlushed = g.counter(MemflowMetrics.BATCHES_FLUSHED);
    }

    @Override
    public void processElement(MemoryInput in, Context ctx, Collector<MemoryInput> out)
            throws Exception {
        ShortTermState s = state.value();
        // a user silent for the idle gap is flushed before anything newer, as the timer would
        if (s != null && !ShortTermBuffer.isEmpty(s) && in.getEventTime() >= idleTimer(s)) {
            idle.cancel(ctx.timerService());
            SegmentBatch idle = buffer.flush(in.getKey(), s, idleTimer(s), "idle");
            if (idle != null) {
                emit(in, idle, out);
            }
            state.clear();
            s = null;
        }
        if (in.getObservation() != null) {
            if (s == null) {
                s = ShortTermBuffer.emptyState();
            } else if (!ShortTermBuffer.isEmpty(s)) {
                idle.cancel(ctx.timerService());
            }
            List<SegmentBatch> batches = buffer.add(in.getKey(), s, in.getObservation());
            for (SegmentBatch b : batches) {
                emit(in, b, out);
            }
            if (ShortTermBuffer.isEmpty(s)) {
                state.clear();
            } else {
                state.update(s);
                idle.schedule(ctx.timerService(), buffer.idleGapMillis());
            }
            return;
        }
        if (in.getQuery() != null) {
            out.collect(MemoryInput.newBuilder(in).setPending(ShortTermBuffer.buffered(s)).build());
            return;
        }
        if (in.getControl() != null && s != null) {
            switch (in.getControl().getType()) {
                case CONSOLIDATE_NOW -> {
                    idle.cancel(ctx.timerService());
                    SegmentBatch b = buffer.flush(in.getKey(), s, in.getEventTime(), "command");
                    if (b != null) {
                        emit(in, b, out);
                    }
                    state.clear();
                }
                case FORGET_USER -> {
                    idle.cancel(ctx.timerService());
                    state.clear();
                }
                case DELETE_MEMORY -> {
                    // the buffer holds turns, not memories: nothing here to delete
                }
                default -> {
                    // unknown to this version: never clear or change state
                }
            }
        }
        out.collect(in);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MemoryInput> out)
            throws Exception {
        ShortTermState s = state.value();
        // event-time timers are left only by savepoints of the job-wide watermark era
        boolean due =
                ctx.timeDomain() == TimeDomain.EVENT_TIME
                        ? s != null && idleTimer(s) == timestamp
                        : idle.fired(timestamp);
        if (s == null || !due) {
            return;
        }
        // the batch is cut as of the event-time deadline, whatever the wall clock says
        long deadline = idleTimer(s);
        String key = ctx.getCurrentKey();
        SegmentBatch b = buffer.flush(key, s, deadline, "idle");
        state.clear();
        if (b != null) {
            int bar = key.indexOf('|');
            MemoryInput carrier =
                    MemoryInput.newBuilder()
                            .setKey(key)
                            .setTenantId(key.substring(0, bar))
                            .setUserId(key.substring(bar + 1))
                            .setEventTime(deadline)
                            .build();
            emit(carrier, b, out);
        }
    }

    private long idleTimer(ShortTermState s) {
        return s.getLastEventTime() + buffer.idleGapMillis();
    }

    private void emit(MemoryInput carrier, SegmentBatch b, Collector<MemoryInput> out) {
        segmentsClosed.inc(b.getSegments().size());
        batchesFlushed.inc();
        out.collect(
                MemoryInput.newBuilder()
                        .setKey(carrier.getKey())
                        .setTenantId(carrier.getTenantId())
                        .setUserId(carrier.getUserId())
                        .setEventTime(b.getFlushTime())
                        .setBatch(b)
                        .setObservation(null)
                        .setQuery(null)
                        .setControl(null)
                        .setPending(List.of())
                        .setCandidates(List.of())
                        .build());
    }
}
