package io.memflow.operators.shortterm;

import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import java.io.Serializable;
import java.util.List;

/**
 * Decides where one topic segment ends and the next begins: incrementally, as each observation
 * arrives ({@link #isBoundary}), and over a closed run of observations when it leaves the open
 * segment ({@link #cuts}), which is where an adaptive threshold that needs the whole run decides.
 */
public interface TopicBoundary extends Serializable {
    /** True when {@code next} starts a new topic rather than continuing {@code open}. */
    boolean isBoundary(Segment open, Observation next);

    /** Lets the boundary update what it keeps in the segment (e.g. a centroid). */
    default void onAdded(Segment open, Observation added) {}

    /**
     * Where a closed run of observations (oldest first) splits into topic segments: the indices,
     * ascending, at which a new segment starts (never 0). Empty keeps the run whole. May set the
     * observations' embeddings.
     */
    default List<Integer> cuts(List<Observation> run) {
        return List.of();
    }

    /** Segments end only at session changes and flushes. */
    static TopicBoundary sessionsOnly() {
        return (open, next) -> false;
    }
}
