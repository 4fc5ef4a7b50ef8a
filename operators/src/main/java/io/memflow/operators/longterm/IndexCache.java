package io.memflow.operators.longterm;

import io.memflow.operators.retrieval.MemoryIndex;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.Observation;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The long-term operator's per-user search structures ({@link MemoryIndex}: term statistics, int8
 * vectors), kept beside keyed state so that a query costs its own work rather than reading,
 * re-tokenising and re-embedding the user's whole memory. Transient: never checkpointed, empty
 * after a restore and rebuilt from state by a user's first query. Any input that may change the
 * user's memories drops the user's entry ({@link #invalidate}); queries only change usage counts,
 * which ranking does not read. The short-term entries a query brings ({@code stm:<turnId>}) are
 * synchronised into the cached index per query.
 *
 * <p>Bounded by the memories it holds, least recently queried users first out. One instance per
 * subtask, used by its one thread.
 */
final class IndexCache {
    private record Cached(MemoryIndex index, Set<String> shortTermIds, int size) {}

    private final long maxMemories;
    private long memories;
    private final LinkedHashMap<String, Cached> byUser = new LinkedHashMap<>(16, 0.75f, true);

    IndexCache(long maxMemories) {
        this.maxMemories = maxMemories;
    }

    /** The user's index holding {@code table}'s memories and exactly {@code pending}. */
    MemoryIndex forQuery(
            String userKey, MemoryTable table, List<Observation> pending, Retriever retriever)
            throws Exception {
        Cached c = byUser.get(userKey);
        if (c == null) {
            MemoryIndex index = retriever.newIndex();
            List<MemoryRecord> all = table.all();
            for (MemoryRecord r : all) {
                index.put(r);
            }
            c = new Cached(index, new HashSet<>(), all.size());
            if (maxMemories > 0) {
                byUser.put(userKey, c);
                memories += c.size();
                evict(userKey);
            }
        }
        Set<String> wanted = new HashSet<>();
        for (Observation o : pending) {
            wanted.add(Retriever.transientRecord(o).getMemoryId());
        }
        for (String id : List.copyOf(c.shortTermIds())) {
            if (!wanted.contains(id)) {
                c.index().remove(id);
                c.shortTermIds().remove(id);
            }
        }
        for (Observation o : pending) {
            MemoryRecord r = Retriever.transientRecord(o);
            if (c.shortTermIds().add(r.getMemoryId())) {
                c.index().put(r);
            }
        }
        return c.index();
    }

    /** Forgets the user's index: its memories are about to change. */
    void invalidate(String userKey) {
        Cached c = byUser.remove(userKey);
        if (c != null) {
            memories -= c.size();
        }
    }

    /** Users whose index is cached (metrics, tests). */
    int users() {
        return byUser.size();
    }

    private void evict(String keep) {
        var it = byUser.entrySet().iterator();
        while (memories > maxMemories && it.hasNext()) {
            Map.Entry<String, Cached> e = it.next();
            if (e.getKey().equals(keep)) {
                continue;
            }
            memories -= e.getValue().size();
            it.remove();
        }
    }
}
