package io.memflow.operators.longterm;

import io.memflow.schemas.MemoryRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;

/**
 * {@link MemoryTable} over the long-term tier's Flink {@code MapState}s. A retired id is kept as
 * "version" or "version:mergedInto" (a plain string, no extra serializer).
 */
final class MapStateTable implements MemoryTable {
    private final MapState<String, MemoryRecord> state;
    private final MapState<String, String> retiredState;

    MapStateTable(MapState<String, MemoryRecord> state, MapState<String, String> retiredState) {
        this.state = state;
        this.retiredState = retiredState;
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
    public void retire(MemoryRecord r) throws Exception {
        state.remove(r.getMemoryId());
        Retired x = Retired.of(r);
        retiredState.put(
                r.getMemoryId(),
                x.mergedInto() == null ? "" + x.version() : x.version() + ":" + x.mergedInto());
    }

    @Override
    public void delete(String memoryId) throws Exception {
        state.remove(memoryId);
        retiredState.remove(memoryId);
    }

    @Override
    public Map<String, Retired> retired() throws Exception {
        Map<String, Retired> out = new TreeMap<>();
        for (Map.Entry<String, String> e : retiredState.entries()) {
            String v = e.getValue();
            int colon = v.indexOf(':');
            out.put(
                    e.getKey(),
                    colon < 0
                            ? new Retired(Integer.parseInt(v), null)
                            : new Retired(
                                    Integer.parseInt(v.substring(0, colon)),
                                    v.substring(colon + 1)));
        }
        return out;
    }

    @Override
    public void clear() {
        state.clear();
        retiredState.clear();
    }

    @Override
    public List<MemoryRecord> all() throws Exception {
        return MemoryTable.sorted(state.values());
    }
}
