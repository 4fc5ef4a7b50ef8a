package io.memflow.operators.ordering;

import io.memflow.schemas.internal.KeyClock;
import java.io.Serializable;

/**
 * The rules of one user's own clock, as plain logic. The clock is advanced only by the user's own
 * inputs (the newest event time seen, minus the bounded out-of-orderness) and, when the user has
 * been quiet for the quiet-release period of wall-clock time, catches up with the newest input. No
 * other user's input ever moves it: that is what keeps one tenant's backlog, lag or clock skew from
 * delaying or firing another tenant's work.
 *
 * <p>The wall clock decides only <em>when</em> a held input leaves, never what the tiers compute
 * from it: inputs leave in event-time order and every time-dependent decision downstream is taken
 * from event times. An input at or before {@link KeyClock#getReleasedUpTo} is late: it is passed on
 * at once, behind newer inputs of the same user that already left.
 */
public final class KeyTime implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long outOfOrdernessMillis;
    private final long quietMillis;

    public KeyTime(long outOfOrdernessMillis, long quietMillis) {
        if (outOfOrdernessMillis < 0 || quietMillis < 0) {
            throw new IllegalArgumentException("out-of-orderness and quiet release must be >= 0");
        }
        this.outOfOrdernessMillis = outOfOrdernessMillis;
        this.quietMillis = quietMillis;
    }

    public static KeyClock newClock() {
        return KeyClock.newBuilder()
                .setNewestEventTime(Long.MIN_VALUE)
                .setReleasedUpTo(Long.MIN_VALUE)
                .setLastArrival(0)
                .setQuietTimer(0)
                .build();
    }

    /** True if an input at {@code eventTime} is behind the user's clock. */
    public static boolean isLate(KeyClock c, long eventTime) {
        return eventTime <= c.getReleasedUpTo();
    }

    /**
     * Records an input at {@code eventTime} that arrived at wall-clock {@code now}, and moves the
     * clock to the newest event time minus the out-of-orderness (never backwards).
     */
    public void observe(KeyClock c, long eventTime, long now) {
        c.setNewestEventTime(Math.max(c.getNewestEventTime(), eventTime));
        c.setLastArrival(now);
        long bound = c.getNewestEventTime() - outOfOrdernessMillis - 1;
        if (c.getNewestEventTime() != Long.MIN_VALUE && bound > c.getReleasedUpTo()) {
            c.setReleasedUpTo(bound);
        }
    }

    /** True once no input arrived for the quiet-release period. */
    public boolean isQuiet(KeyClock c, long now) {
        return now - c.getLastArrival() >= quietMillis;
    }

    /** Wall-clock time at which the user will have been quiet long enough. */
    public long quietAt(KeyClock c) {
        return c.getLastArrival() + quietMillis;
    }

    /** The quiet release: the clock catches up with the newest input. */
    public static void catchUp(KeyClock c) {
        c.setReleasedUpTo(Math.max(c.getReleasedUpTo(), c.getNewestEventTime()));
    }
}
