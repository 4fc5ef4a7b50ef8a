package io.memflow.operators.ordering;

import io.memflow.state.MemoryStateDescriptors;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.TimerService;

/**
 * One processing-time timer per user for a tier's "the user has been silent for a while" decision
 * (short-term idle flush, sleep-time consolidation). Its firing time is kept in keyed state so that
 * the next input can move it and a stale one is recognised.
 *
 * <p>Why wall clock: the tiers used to wait for event time, which in Flink is one watermark per
 * operator shared by every key, so one tenant's backlog or future-dated event fired or held back
 * every other user's timers. A processing-time timer belongs to its key alone. It decides only
 * <em>when</em>: what the tier emits uses the event-time deadline ({@code last event + gap}), and
 * the next input after the deadline applies the same decision first, so a replay that arrives
 * faster than the wall clock computes the same memory.
 */
public final class WallClockTimer {
    private final ValueState<Long> at;

    public WallClockTimer(RuntimeContext rc, String stateName) {
        this.at = rc.getState(MemoryStateDescriptors.wallClockTimer(stateName));
    }

    /** (Re)arms the timer to fire {@code delayMillis} of wall clock from now. */
    public void schedule(TimerService ts, long delayMillis) throws Exception {
        cancel(ts);
        long t = ts.currentProcessingTime() + Math.max(1, delayMillis);
        ts.registerProcessingTimeTimer(t);
        at.update(t);
    }

    public void cancel(TimerService ts) throws Exception {
        Long t = at.value();
        if (t != null) {
            ts.deleteProcessingTimeTimer(t);
            at.clear();
        }
    }

    /** True if {@code timestamp} is this timer's current firing time; it is then spent. */
    public boolean fired(long timestamp) throws Exception {
        Long t = at.value();
        if (t == null || t != timestamp) {
            return false;
        }
        at.clear();
        return true;
    }
}
