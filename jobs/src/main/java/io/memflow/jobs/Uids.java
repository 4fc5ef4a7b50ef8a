package io.memflow.jobs;

/**
 * Stable operator uids of the memflow job: part of the savepoint contract. Never change one once
 * released; a test walks the job graph and fails on a missing or duplicate uid.
 */
public final class Uids {
    public static final String SOURCE = "kafka-source";
    public static final String DECODE = "decode-validate";

    /**
     * Retired: the stateless timestamp operator after decoding, replaced by per-partition
     * watermarks in the source. Kept so the uid is never reused.
     */
    @Deprecated public static final String TIMESTAMPS = "event-time";

    public static final String EVENT_ORDER = "event-order";
    public static final String SENSORY = "sensory";
    public static final String SHORT_TERM = "short-term";
    public static final String CONSOLIDATE = "consolidate";
    public static final String LONG_TERM = "long-term";
    public static final String INFERENCE_EPISODES = "inference-episodes";
    public static final String INFERENCE_GENERATE = "inference-generate";
    public static final String INFERENCE_REMOTE = "inference-remote";
    public static final String SINK_CHANGES = "sink-memory-changes";
    public static final String SINK_ANSWERS = "sink-answers";
    public static final String SINK_DEAD_LETTERS = "sink-dead-letters";

    private Uids() {}
}
