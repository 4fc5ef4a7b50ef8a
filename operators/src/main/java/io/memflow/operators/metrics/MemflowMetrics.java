package io.memflow.operators.metrics;

import java.util.List;

/**
 * Names of memflow's own metrics. Every operator registers its metrics under the user group {@link
 * #GROUP}, so with Flink's Prometheus reporter a counter {@code turnsIn} of an operator appears as
 * {@code flink_taskmanager_job_task_operator_memflow_turnsIn}. The Grafana dashboard in {@code
 * deploy/k8s} charts exactly these names; a test keeps the two in step.
 */
public final class MemflowMetrics {
    public static final String GROUP = "memflow";

    // decode and validate
    public static final String EVENTS_IN = "eventsIn";
    public static final String DEAD_LETTERS = "deadLetters";
    // sensory tier
    public static final String TURNS_IN = "turnsIn";
    public static final String TURNS_DROPPED = "turnsDropped";
    public static final String TOKENS_IN = "tokensIn";
    public static final String TOKENS_KEPT = "tokensKept";
    // short-term tier
    public static final String SEGMENTS_CLOSED = "segmentsClosed";
    public static final String BATCHES_FLUSHED = "batchesFlushed";
    // long-term tier: memories by status (counters moved up and down as statuses change)
    public static final String MEMORIES_ACTIVE = "memoriesActive";
    public static final String MEMORIES_SUPERSEDED = "memoriesSuperseded";
    public static final String MEMORIES_ARCHIVED = "memoriesArchived";
    public static final String CONSOLIDATION_RUNS = "consolidationRuns";
    // long-term tier: memories whose vector came from another embedding model, re-embedded
    public static final String MEMORIES_REEMBEDDED = "memoriesReembedded";
    // long-term tier: hot state of one user after the bounds (histograms over users)
    public static final String LONG_TERM_USER_ENTRIES = "longTermUserEntries";
    public static final String LONG_TERM_USER_BYTES = "longTermUserBytes";

    /** Prefix of the per-type change counters: changesADD, changesUPDATE, ... */
    public static final String CHANGES_PREFIX = "changes";

    public static final List<String> CHANGE_TYPES =
            List.of("ADD", "UPDATE", "MERGE", "SUPERSEDE", "ARCHIVE", "DELETE");
    // retrieval
    public static final String QUERIES_ANSWERED = "queriesAnswered";
    public static final String RETRIEVAL_LATENCY_MS = "retrievalLatencyMs";
    // inference
    public static final String KV_BYTES_IN_USE = "kvBytesInUse";
    public static final String KV_BYTES_ALLOCATED = "kvBytesAllocated";
    public static final String KV_EVICTIONS = "kvEvictions";
    public static final String KV_CACHE_BUILDS = "kvCacheBuilds";
    public static final String ANSWERS_GENERATED = "answersGenerated";
    public static final String PREFILL_TOKENS_PER_SECOND = "prefillTokensPerSecond";
    public static final String DECODE_TOKENS_PER_SECOND = "decodeTokensPerSecond";

    // remote engine (memflow.inference.endpoint) and LLM extraction (memflow.consolidation.mode):
    // registered only when configured, so not in all() (the default job's metric set)
    public static final String ANSWERS_WITHOUT_TEXT = "answersWithoutText";
    public static final String ANSWER_PROMPT_TOKENS = "answerPromptTokens";
    public static final String ANSWER_COMPLETION_TOKENS = "answerCompletionTokens";
    public static final String LLM_CALLS = "llmCalls";
    public static final String LLM_PROMPT_TOKENS = "llmPromptTokens";
    public static final String LLM_COMPLETION_TOKENS = "llmCompletionTokens";
    public static final String LLM_FALLBACKS = "llmFallbacks";
    public static final String LLM_INVENTED_IDS = "llmInventedIds";

    private MemflowMetrics() {}

    /** Every metric name memflow registers (change counters expanded). */
    public static List<String> all() {
        var names =
                new java.util.ArrayList<>(
                        List.of(
                                EVENTS_IN,
                                DEAD_LETTERS,
                                TURNS_IN,
                                TURNS_DROPPED,
                                TOKENS_IN,
                                TOKENS_KEPT,
                                SEGMENTS_CLOSED,
                                BATCHES_FLUSHED,
                                MEMORIES_ACTIVE,
                                MEMORIES_SUPERSEDED,
                                MEMORIES_ARCHIVED,
                                CONSOLIDATION_RUNS,
                                MEMORIES_REEMBEDDED,
                                LONG_TERM_USER_ENTRIES,
                                LONG_TERM_USER_BYTES,
                                QUERIES_ANSWERED,
                                RETRIEVAL_LATENCY_MS,
                                KV_BYTES_IN_USE,
                                KV_BYTES_ALLOCATED,
                                KV_EVICTIONS,
                                KV_CACHE_BUILDS,
                                ANSWERS_GENERATED,
                                PREFILL_TOKENS_PER_SECOND,
                                DECODE_TOKENS_PER_SECOND));
        for (String t : CHANGE_TYPES) {
            names.add(CHANGES_PREFIX + t);
        }
        return List.copyOf(names);
    }
}
