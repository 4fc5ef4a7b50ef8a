package io.memflow.operators.consolidate;

import io.memflow.schemas.internal.MemoryInput;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Turns a flushed segment batch into candidate memory entries for the long-term tier (one call per
 * batch, never per turn); every other envelope passes unchanged.
 */
public class ConsolidateFunction implements MapFunction<MemoryInput, MemoryInput> {
    private static final long serialVersionUID = 1L;

    private final ExtractiveConsolidator consolidator;

    public ConsolidateFunction(ExtractiveConsolidator consolidator) {
        this.consolidator = consolidator;
    }

    @Override
    public MemoryInput map(MemoryInput in) {
        if (in.getBatch() == null) {
            return in;
        }
        return MemoryInput.newBuilder(in)
                .setCandidates(
                        consolidator.consolidate(in.getTenantId(), in.getUserId(), in.getBatch()))
                .setBatch(null)
                .build();
    }
}
