package io.memflow.operators.shortterm;

import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import java.io.Serializable;

/** Decides where one topic segment ends and the next begins. */
public interface TopicBoundary extends Serializable {
    /** True when {@code next} starts a new topic rather than continuing {@code open}. */
    boolean isBoundary(Segment open, Observation next);

    /** Lets the boundary update what it keeps in the segment (e.g. a centroid). */
    default void onAdded(Segment open, Observation added) {}

    /** Segments end only at session changes and flushes. */
    static TopicBoundary sessionsOnly() {
        return (open, next) -> false;
    }
}
