package io.memflow.operators.consolidate;

import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.SegmentBatch;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * Turns one flushed short-term batch into candidate memory entries: called once per batch, never
 * per turn. {@link ExtractiveConsolidator} needs no model; an LLM-backed one can be plugged in (see
 * {@code inference.LlmSummaryConsolidator}).
 */
public interface Consolidator extends Serializable {

    List<MemoryRecord> consolidate(String tenantId, String userId, SegmentBatch batch);

    /**
     * Acquires what the consolidator needs on the TaskManager (a model); called by the operator.
     */
    default void open() throws Exception {}

    /**
     * Registers the consolidator's own metrics and accumulators with the operator, after {@link
     * #open()}.
     */
    default void register(RuntimeContext ctx) {}

    /** Releases what {@link #open()} acquired. */
    default void close() {}
}
