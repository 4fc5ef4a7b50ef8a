package io.memflow.operators.ordering;

import io.memflow.schemas.internal.MemoryInput;
import java.io.Serializable;
import java.util.Comparator;

/**
 * Fixed order of inputs with the same event time: observations first (by id), then commands, then
 * queries, so a question asked at the same instant as a statement already sees it.
 */
public final class InputOrder implements Comparator<MemoryInput>, Serializable {
    private static final long serialVersionUID = 1L;
    public static final InputOrder INSTANCE = new InputOrder();

    @Override
    public int compare(MemoryInput a, MemoryInput b) {
        int c = Integer.compare(rank(a), rank(b));
        return c != 0 ? c : id(a).compareTo(id(b));
    }

    static int rank(MemoryInput in) {
        if (in.getObservation() != null) {
            return 0;
        }
        if (in.getControl() != null) {
            return 1;
        }
        return 2;
    }

    static String id(MemoryInput in) {
        if (in.getObservation() != null) {
            return in.getObservation().getId();
        }
        if (in.getControl() != null) {
            return in.getControl().getCommandId();
        }
        return in.getQuery() == null ? "" : in.getQuery().getQueryId();
    }
}
