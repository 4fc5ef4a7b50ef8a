package io.memflow.operators.longterm;

import io.memflow.schemas.MemoryRecord;
import java.util.List;
import org.apache.flink.api.common.state.MapState;

/** {@link MemoryTable} over the long-term tier's Flink {@code MapState}. */
final class MapStateTable implements MemoryTable {
    private final MapState<String, MemoryRecord> state;

    MapStateTable(MapState<String, MemoryRecord> state) {
        this.state = state;
    }

    @Override
    public MemoryRecord get(String memoryId) throws Exception {
        return state.get(memoryId);
    }

    @Override
    public void put(MemoryRecord record) throws Exception {
        state.put(record.getMemoryId(), record);
    }

    @Override
    public void clear() {
        state.clear();
    }

    @Override
    public List<MemoryRecord> all() throws Exception {
        return MemoryTable.sorted(state.values());
    }
}
