package io.memflow.operators.remote;

import io.memflow.operators.consolidate.Consolidator;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryKind;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import io.memflow.serving.api.ChatMessage;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LLM extraction (LightMem-style, opt-in with {@code memflow.consolidation.mode=llm}): one chat
 * completion per short-term batch, never per turn, returns the batch's facts as JSON (text,
 * speaker, date, source turn ids), read strictly by {@link ExtractedFacts}.
 *
 * <p>Provenance stays real: a source id that is not a turn of the batch is dropped (and counted), a
 * fact left with none is dropped. When the call fails (after the client's retries and time-out),
 * the reply is invalid, or no grounded fact is left, the batch gets its extractive facts instead
 * and {@code llmFallbacks} counts it: memory never loses a batch to the model.
 *
 * <p>A record's times come from its source turns (the newest), not from the model's date, which is
 * only checked for its format. Ids derive from the batch and the fact's position, so a replay with
 * a deterministic (greedy) server writes the same entries. The consolidate operator waits for the
 * call, at most {@code endpoint-timeout} times {@code endpoint-retries + 1} plus back-off.
 */
public final class LlmExtractionConsolidator implements Consolidator {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LlmExtractionConsolidator.class);

    public static final String SYSTEM =
            "You extract long-term memories from a conversation. Reply with one JSON object and"
                    + " nothing else, in this shape: {\"facts\": [{\"text\": \"...\", \"speaker\":"
                    + " \"...\", \"date\": \"YYYY-MM-DD\", \"source_turn_ids\": [\"...\"]}]}. Each"
                    + " fact is one standalone sentence that names the person it is about (no"
                    + " pronouns that need the conversation). speaker is who said it, date the"
                    + " day it was said, source_turn_ids the ids in square brackets of the turns"
                    + " that state it. Keep every personal fact, plan, preference and event; leave"
                    + " out greetings and small talk.";

    private final ExtractiveConsolidator fallback = new ExtractiveConsolidator();
    private final RemoteSettings settings;
    private final int maxTokens;

    private transient RemoteEngine engine;
    private transient Tally calls;
    private transient Tally promptTokens;
    private transient Tally completionTokens;
    private transient Tally fallbacks;
    private transient Tally inventedIds;

    /**
     * A count that is both a metric (live) and an accumulator (in the job's result, which {@code
     * eval} reports).
     */
    private static final class Tally {
        final String name;
        final SimpleCounter metric = new SimpleCounter();
        final LongCounter total = new LongCounter();

        Tally(String name) {
            this.name = name;
        }

        void inc() {
            inc(1);
        }

        void inc(long n) {
            metric.inc(n);
            total.add(n);
        }

        void register(RuntimeContext ctx, MetricGroup memflow) {
            memflow.counter(name, metric);
            ctx.addAccumulator(name, total);
        }
    }

    public LlmExtractionConsolidator(RemoteSettings settings, int maxTokens) {
        this.settings = settings;
        this.maxTokens = maxTokens;
    }

    @Override
    public void open() throws Exception {
        engine = RemoteEngine.create(settings);
        calls = new Tally(MemflowMetrics.LLM_CALLS);
        promptTokens = new Tally(MemflowMetrics.LLM_PROMPT_TOKENS);
        completionTokens = new Tally(MemflowMetrics.LLM_COMPLETION_TOKENS);
        fallbacks = new Tally(MemflowMetrics.LLM_FALLBACKS);
        inventedIds = new Tally(MemflowMetrics.LLM_INVENTED_IDS);
    }

    /** Metrics and accumulators named as in {@link MemflowMetrics}: llmCalls, llmPromptTokens, … */
    @Override
    public void register(RuntimeContext ctx) {
        MetricGroup memflow = ctx.getMetricGroup().addGroup(MemflowMetrics.GROUP);
        for (Tally t : List.of(calls, promptTokens, completionTokens, fallbacks, inventedIds)) {
            t.register(ctx, memflow);
        }
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    @Override
    public List<MemoryRecord> consolidate(String tenantId, String userId, SegmentBatch batch) {
        Map<String, Observation> turns = new LinkedHashMap<>();
        Map<String, String> segmentOf = new LinkedHashMap<>();
        Map<String, Integer> topicOf = new LinkedHashMap<>();
        int topic = 0;
        for (Segment seg : batch.getSegments()) {
            topic++;
            for (Observation o : seg.getObservations()) {
                turns.put(o.getId(), o);
                segmentOf.put(o.getId(), seg.getSegmentId());
                topicOf.put(o.getId(), topic);
            }
        }
        if (turns.isEmpty()) {
            return List.of();
        }
        calls.inc();
        List<ExtractedFacts.Fact> facts;
        try {
            RemoteEngine.Reply r = engine.chat(prompt(turns.values()), maxTokens, true);
            promptTokens.inc(r.promptTokens());
            completionTokens.inc(r.completionTokens());
            facts = ExtractedFacts.parse(r.text());
        } catch (ExtractedFacts.InvalidReply e) {
            return fallback(tenantId, userId, batch, "invalid reply: " + e.getMessage());
        } catch (RuntimeException e) {
            return fallback(tenantId, userId, batch, "call failed: " + e);
        }
        List<MemoryRecord> out = new ArrayList<>();
        int i = 0;
        for (ExtractedFacts.Fact f : facts) {
            List<String> real = new ArrayList<>();
            for (String id : f.sourceTurnIds()) {
                if (turns.containsKey(id) && !real.contains(id)) {
                    real.add(id);
                } else if (!turns.containsKey(id)) {
                    inventedIds.inc();
                }
            }
            if (!real.isEmpty()) {
                out.add(record(tenantId, userId, batch, i, f, real, turns, segmentOf, topicOf));
            }
            i++;
        }
        if (out.isEmpty()) {
            return fallback(tenantId, userId, batch, "no fact with a real source turn");
        }
        return out;
    }

    /** The messages of one extraction call: the rules, then the batch's turns with their ids. */
    public static List<ChatMessage> prompt(Iterable<Observation> turns) {
        StringBuilder sb = new StringBuilder("Conversation:\n");
        for (Observation o : turns) {
            sb.append('[')
                    .append(o.getId())
                    .append("] ")
                    .append(
                            Instant.ofEpochMilli(o.getEventTime())
                                    .atOffset(ZoneOffset.UTC)
                                    .toLocalDate())
                    .append(' ')
                    .append(o.getSpeaker())
                    .append(": ")
                    .append(o.getText().replace('\n', ' '))
                    .append('\n');
        }
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(sb.toString()));
    }

    private List<MemoryRecord> fallback(
            String tenantId, String userId, SegmentBatch batch, String why) {
        fallbacks.inc();
        LOG.warn(
                "LLM extraction of batch {} fell back to extractive facts ({})",
                batch.getBatchId(),
                why);
        return fallback.consolidate(tenantId, userId, batch);
    }

    private static MemoryRecord record(
            String tenantId,
            String userId,
            SegmentBatch batch,
            int index,
            ExtractedFacts.Fact f,
            List<String> sources,
            Map<String, Observation> turns,
            Map<String, String> segmentOf,
            Map<String, Integer> topicOf) {
        Observation newest = turns.get(sources.get(0));
        for (String id : sources) {
            if (turns.get(id).getEventTime() > newest.getEventTime()) {
                newest = turns.get(id);
            }
        }
        String speaker = newest.getSpeaker();
        for (String id : sources) {
            if (f.speaker() != null && f.speaker().equals(turns.get(id).getSpeaker())) {
                speaker = f.speaker();
            }
        }
        Instant at = Instant.ofEpochMilli(newest.getEventTime());
        return MemoryRecord.newBuilder()
                .setMemoryId(
                        ExtractiveConsolidator.memoryId(
                                tenantId, userId, "llm:" + batch.getBatchId() + ":" + index))
                .setTenantId(tenantId)
                .setUserId(userId)
                .setKind(MemoryKind.FACT)
                .setText(f.text())
                .setSpeaker(speaker)
                .setEventTime(at)
                .setValidFrom(at)
                .setSourceTurnIds(sources)
                .setSessionId(newest.getSessionId())
                .setSegmentId(segmentOf.get(newest.getId()))
                .setTopicId(batch.getBatchId() + "/" + topicOf.get(newest.getId()))
                .setTokenCount(Text.countTokens(f.text()))
                .setLastAccessTime(at)
                .setVersion(1)
                .setStatus(MemoryStatus.ACTIVE)
                .build();
    }
}
