package io.memflow.operators.longterm;

import io.memflow.schemas.MemoryRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The long-term store of one user as the pure logic sees it. In the job it is a Flink {@code
 * MapState}; in unit tests a {@link InMemory} map.
 */
public interface MemoryTable {
    MemoryRecord get(String memoryId) throws Exception;

    void put(MemoryRecord record) throws Exception;

    void clear() throws Exception;

    /** Every record, in memoryId order (deterministic). */
    List<MemoryRecord> all() throws Exception;

    static List<MemoryRecord> sorted(Iterable<MemoryRecord> records) {
        List<MemoryRecord> out = new ArrayList<>();
        records.forEach(out::add);
        out.sort(Comparator.comparing(MemoryRecord::getMemoryId));
        return out;
    }

    /** A plain sorted map. */
    final class InMemory implements MemoryTable {
        private final TreeMap<String, MemoryRecord> map = new TreeMap<>();

        @Override
        public MemoryRecord get(String memoryId) {
            return map.get(memoryId);
        }

        @Override
        public void put(MemoryRecord record) {
            map.put(record.getMemoryId(), record);
        }

        @Override
        public void clear() {
            map.clear();
        }

        @Override
        public List<MemoryRecord> all() {
            return new ArrayList<>(map.values());
        }
    }
}
