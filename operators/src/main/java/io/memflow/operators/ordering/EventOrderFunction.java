package io.memflow.operators.ordering;

import io.memflow.schemas.ControlType;
import io.memflow.schemas.internal.KeyClock;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.PendingInputs;
import io.memflow.state.MemoryStateDescriptors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Puts one user's inputs into event-time order before the memory tiers see them, on the user's own
 * clock ({@link KeyTime}). Turns, queries and commands arrive on different topics and partitions,
 * so their arrival order is a race; holding each input until the user's clock passes it makes a
 * query see the user's turns that happened before it, and makes two runs over the same input
 * produce the same changelog. Inputs with equal event time leave in a fixed order ({@link
 * InputOrder}).
 *
 * <p>Held inputs leave when a newer input of the same user moves the clock past them, or when the
 * user has been quiet for the quiet-release period (a processing-time timer, at most one per user),
 * or at the end of a bounded input (an event-time timer at the end of time, which only the final
 * watermark of a bounded source or a drain reaches: the job generates no other watermarks). Late
 * inputs pass at once: late, but never lost.
 */
public class EventOrderFunction extends KeyedProcessFunction<String, MemoryInput, MemoryInput> {
    private static final long serialVersionUID = 1L;

    private final KeyTime time;

    private transient MapState<Long, PendingInputs> held;
    private transient ValueState<KeyClock> clock;

    public EventOrderFunction(long outOfOrdernessMillis, long quietReleaseMillis) {
        this.time = new KeyTime(outOfOrdernessMillis, quietReleaseMillis);
    }

    @Override
    public void open(OpenContext ctx) {
        held = getRuntimeContext().getMapState(MemoryStateDescriptors.eventOrder());
        clock = getRuntimeContext().getState(MemoryStateDescriptors.eventOrderClock());
    }

    @Override
    public void processElement(MemoryInput in, Context ctx, Collector<MemoryInput> out)
            throws Exception {
        KeyClock c = clock.value();
        if (c == null) {
            c = KeyTime.newClock();
        }
        long t = in.getEventTime();
        long releasedBefore = c.getReleasedUpTo();
        if (KeyTime.isLate(c, t)) {
            out.collect(in);
        } else {
            PendingInputs p = held.get(t);
            if (p == null) {
                p = PendingInputs.newBuilder().setItems(new ArrayList<>()).build();
            }
            List<MemoryInput> items = new ArrayList<>(p.getItems());
            items.add(in);
            p.setItems(items);
            held.put(t, p);
        }
        time.observe(c, t, ctx.timerService().currentProcessingTime());
        if (c.getReleasedUpTo() > releasedBefore) {
            release(c.getReleasedUpTo(), out);
        }
        if (c.getQuietTimer() == 0 && !held.isEmpty()) {
            armTimers(c, ctx);
        }
        if (held.isEmpty()
                && in.getControl() != null
                && in.getControl().getType() == ControlType.FORGET_USER) {
            // nothing of a forgotten user stays, not even the clock
            clearTimers(c, ctx);
            clock.clear();
            return;
        }
        clock.update(c);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MemoryInput> out)
            throws Exception {
        KeyClock c = clock.value();
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            // end of a bounded input, or an event-time timer of the job-wide watermark era
            release(Long.MAX_VALUE, out);
            if (c != null) {
                KeyTime.catchUp(c);
                clearTimers(c, ctx);
                clock.update(c);
            }
            return;
        }
        if (c == null || c.getQuietTimer() != timestamp) {
            return;
        }
        c.setQuietTimer(0);
        if (time.isQuiet(c, ctx.timerService().currentProcessingTime())) {
            KeyTime.catchUp(c);
            release(c.getReleasedUpTo(), out);
        }
        if (!held.isEmpty()) {
            armTimers(c, ctx);
        } else {
            ctx.timerService().deleteEventTimeTimer(Long.MAX_VALUE);
        }
        clock.update(c);
    }

    /** Sends every held input at or before {@code upTo}, in event-time and then fixed order. */
    private void release(long upTo, Collector<MemoryInput> out) throws Exception {
        List<Long> due = new ArrayList<>();
        for (Map.Entry<Long, PendingInputs> e : held.entries()) {
            if (e.getKey() <= upTo) {
                due.add(e.getKey());
            }
        }
        due.sort(null);
        for (long t : due) {
            List<MemoryInput> items = new ArrayList<>(held.get(t).getItems());
            held.remove(t);
            items.sort(InputOrder.INSTANCE);
            items.forEach(out::collect);
        }
    }

    private void armTimers(KeyClock c, Context ctx) {
        long at = Math.max(time.quietAt(c), ctx.timerService().currentProcessingTime() + 1);
        ctx.timerService().registerProcessingTimeTimer(at);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        c.setQuietTimer(at);
    }

    private static void clearTimers(KeyClock c, Context ctx) {
        if (c.getQuietTimer() != 0) {
            ctx.timerService().deleteProcessingTimeTimer(c.getQuietTimer());
            c.setQuietTimer(0);
        }
        ctx.timerService().deleteEventTimeTimer(Long.MAX_VALUE);
    }
}
