package io.memflow.operators.inference;

import io.memflow.operators.consolidate.Consolidator;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryKind;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Consolidation with the embedded LLM: the facts stay extractive (exact, with provenance, no model
 * can misquote them) and the model adds one summary entry per batch, in one call, never per turn.
 * The summary's provenance is every turn of the batch; its id derives from the batch, so a replay
 * writes the same entry (greedy decoding is deterministic).
 *
 * <p>Opt-in ({@code memflow.consolidate.llm-summary}): a base model without instruction tuning,
 * like the 260K story model the tests use, writes text that has no place in long-term memory.
 */
public final class LlmSummaryConsolidator implements Consolidator {
    private static final long serialVersionUID = 1L;

    /** Tokens of the generated summary at most. */
    static final int SUMMARY_TOKENS = 48;

    private final Consolidator facts;
    private final InferenceSettings settings;
    private transient SharedEngines.Handle engine;
    private transient long calls;

    public LlmSummaryConsolidator(Consolidator facts, InferenceSettings settings) {
        this.facts = facts;
        this.settings = settings;
    }

    @Override
    public void open() throws Exception {
        facts.open();
        engine = SharedEngines.acquire(settings);
    }

    @Override
    public void close() {
        facts.close();
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    /** LLM calls made since {@link #open()}: one per non-empty batch. */
    public long calls() {
        return calls;
    }

    @Override
    public List<MemoryRecord> consolidate(String tenantId, String userId, SegmentBatch batch) {
        List<MemoryRecord> out = new ArrayList<>(facts.consolidate(tenantId, userId, batch));
        List<String> ids = new ArrayList<>();
        StringBuilder conversation = new StringBuilder();
        long last = Long.MIN_VALUE;
        String session = null;
        for (Segment seg : batch.getSegments()) {
            for (Observation o : seg.getObservations()) {
                ids.add(o.getId());
                conversation.append(o.getSpeaker()).append(": ").append(o.getText()).append('\n');
                last = Math.max(last, o.getEventTime());
                session = o.getSessionId();
            }
        }
        if (ids.isEmpty()) {
            return out;
        }
        calls++;
        String summary =
                engine.engine()
                        .complete(
                                "Conversation:\n"
                                        + conversation
                                        + "\nThe facts stated above, in one sentence:",
                                SUMMARY_TOKENS)
                        .replace('\n', ' ')
                        .strip();
        if (summary.isEmpty()) {
            return out;
        }
        String text = "Summary: " + summary;
        out.add(
                MemoryRecord.newBuilder()
                        .setMemoryId(
                                ExtractiveConsolidator.memoryId(
                                        tenantId, userId, "summary:" + batch.getBatchId()))
                        .setTenantId(tenantId)
                        .setUserId(userId)
                        .setKind(MemoryKind.SUMMARY)
                        .setText(text)
                        .setSpeaker("memflow")
                        .setEventTime(Instant.ofEpochMilli(last))
                        .setValidFrom(Instant.ofEpochMilli(last))
                        .setSourceTurnIds(ids)
                        .setSessionId(session)
                        .setTopicId(batch.getBatchId())
                        .setTokenCount(Text.countTokens(text))
                        .setLastAccessTime(Instant.ofEpochMilli(last))
                        .setVersion(1)
                        .setStatus(MemoryStatus.ACTIVE)
                        .build());
        return out;
    }
}
