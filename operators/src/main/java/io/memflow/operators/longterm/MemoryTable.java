package io.memflow.operators.longterm;

import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The long-term store of one user as the pure logic sees it: the hot records that retrieval and
 * sleep-time consolidation read, and the ids of retired records (archived or merged-away records
 * that left hot state). A retired record's history stays on the changelog, so its id and last
 * version are kept: a later DELETE_MEMORY or FORGET_USER must tombstone its changelog key too. In
 * the job it is Flink {@code MapState}; in unit tests an {@link InMemory} map.
 */
public interface MemoryTable {
    MemoryRecord get(String memoryId) throws Exception;

    void put(MemoryRecord record) throws Exception;

    /** Takes {@code r} out of hot state and keeps its id, last version and merge target. */
    void retire(MemoryRecord r) throws Exception;

    /** Forgets a memory entirely: hot record and retired id. */
    void delete(String memoryId) throws Exception;

    /** Retired memories by id. */
    Map<String, Retired> retired() throws Exception;

    void clear() throws Exception;

    /** Every hot record, in memoryId order (deterministic). */
    List<MemoryRecord> all() throws Exception;

    /** What stays of a retired record: enough to tombstone its key and follow its merge. */
    record Retired(int version, String mergedInto) {
        static Retired of(MemoryRecord r) {
            return new Retired(
                    r.getVersion(),
                    r.getStatus() == MemoryStatus.MERGED ? r.getMergedInto() : null);
        }
    }

    static List<MemoryRecord> sorted(Iterable<MemoryRecord> records) {
        List<MemoryRecord> out = new ArrayList<>();
        records.forEach(out::add);
        out.sort(Comparator.comparing(MemoryRecord::getMemoryId));
        return out;
    }

    /** Plain sorted maps. */
    final class InMemory implements MemoryTable {
        private final TreeMap<String, MemoryRecord> map = new TreeMap<>();
        private final TreeMap<String, Retired> retired = new TreeMap<>();

        @Override
        public MemoryRecord get(String memoryId) {
            return map.get(memoryId);
        }

        @Override
        public void put(MemoryRecord record) {
            map.put(record.getMemoryId(), record);
        }

        @Override
        public void retire(MemoryRecord r) {
            map.remove(r.getMemoryId());
            retired.put(r.getMemoryId(), Retired.of(r));
        }

        @Override
        public void delete(String memoryId) {
            map.remove(memoryId);
            retired.remove(memoryId);
        }

        @Override
        public Map<String, Retired> retired() {
            return new TreeMap<>(retired);
        }

        @Override
        public void clear() {
            map.clear();
            retired.clear();
        }

        @Override
        public List<MemoryRecord> all() {
            return new ArrayList<>(map.values());
        }
    }
}
