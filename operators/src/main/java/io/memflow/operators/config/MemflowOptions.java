package io.memflow.operators.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/**
 * Every memflow setting: a typed, namespaced {@code memflow.*} key with a default and a
 * description. Read from the Flink configuration (flink-conf / FlinkDeployment flinkConfiguration)
 * or from {@code -Dkey=value} on the CLI. README's configuration table lists exactly these; a test
 * keeps the two in step.
 */
public final class MemflowOptions {
    private MemflowOptions() {}

    // --- Kafka
    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            key("memflow.kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("localhost:9092")
                    .withDescription("Kafka bootstrap servers.");
    public static final ConfigOption<String> GROUP_ID =
            key("memflow.kafka.group-id")
                    .stringType()
                    .defaultValue("memflow")
                    .withDescription("Consumer group of the job's Kafka source.");
    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            key("memflow.kafka.transactional-id-prefix")
                    .stringType()
                    .defaultValue("memflow")
                    .withDescription(
                            "Prefix of the exactly-once sinks' transactional ids; unique per job"
                                    + " on a Kafka cluster.");
    public static final ConfigOption<String> KAFKA_PROPERTIES_FILE =
            key("memflow.kafka.properties-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Optional Kafka client properties file (security settings,"
                                    + " credentials) applied to the source and the sinks.");
    public static final ConfigOption<String> STARTING_OFFSETS =
            key("memflow.kafka.starting-offsets")
                    .stringType()
                    .defaultValue("earliest")
                    .withDescription(
                            "Where a job without a savepoint starts reading: earliest or"
                                    + " latest. Committed offsets of the group win.");

    // --- topics
    public static final ConfigOption<String> TOPIC_TURNS = topic("turns");
    public static final ConfigOption<String> TOPIC_AGENT_EVENTS = topic("agent-events");
    public static final ConfigOption<String> TOPIC_QUERIES = topic("queries");
    public static final ConfigOption<String> TOPIC_CONTROL = topic("control");
    public static final ConfigOption<String> TOPIC_MEMORY_CHANGES = topic("memory-changes");
    public static final ConfigOption<String> TOPIC_ANSWERS = topic("answers");
    public static final ConfigOption<String> TOPIC_DEAD_LETTERS = topic("dead-letters");
    public static final ConfigOption<Duration> ANSWERS_RETENTION =
            key("memflow.topics.answers-retention")
                    .durationType()
                    .defaultValue(Duration.ofDays(1))
                    .withDescription(
                            "retention.ms of the answers topic when memflow creates it (broker,"
                                    + " demo, run --create-topics): answers are a response"
                                    + " channel, not a store.");

    // --- job
    public static final ConfigOption<Integer> MAX_PARALLELISM =
            key("memflow.job.max-parallelism")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "Key groups of the job: the upper bound of any later rescale. Part of"
                                    + " the savepoint contract; do not change after the first"
                                    + " savepoint.");
    public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
            key("memflow.time.out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "Bounded out-of-orderness of each user's own event time: an input"
                                    + " is held until an input of the same user this much newer"
                                    + " arrives (or the user goes quiet).");
    public static final ConfigOption<Duration> QUIET_RELEASE =
            key("memflow.time.quiet-release")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "When no input of a user arrived for this long (wall clock), the"
                                    + " user's clock catches up with their newest input, so it"
                                    + " is processed without waiting for a later one.");

    // --- validation
    public static final ConfigOption<Integer> MAX_TEXT_BYTES =
            key("memflow.validation.max-text-bytes")
                    .intType()
                    .defaultValue(64 * 1024)
                    .withDescription(
                            "Longest accepted text in UTF-8 bytes; longer goes to dead letters.");
    public static final ConfigOption<Duration> MAX_FUTURE_SKEW =
            key("memflow.validation.max-future-skew")
                    .durationType()
                    .defaultValue(Duration.ofDays(1))
                    .withDescription(
                            "An event time further than this past the wall clock goes to dead"
                                    + " letters.");

    // --- sensory
    public static final ConfigOption<Double> KEEP_RATIO =
            key("memflow.sensory.keep-ratio")
                    .doubleType()
                    .defaultValue(0.6)
                    .withDescription(
                            "Share of a turn's tokens kept by sensory compression (LightMem r;"
                                    + " 0.6 is LightMem's LoCoMo setting).");
    public static final ConfigOption<Integer> RING_SIZE =
            key("memflow.sensory.ring-size")
                    .intType()
                    .defaultValue(8)
                    .withDescription("Recent turns compared against for near-duplicates.");
    public static final ConfigOption<Double> DUPLICATE_THRESHOLD =
            key("memflow.sensory.duplicate-threshold")
                    .doubleType()
                    .defaultValue(0.97)
                    .withDescription("Similarity at or above which a turn is a near-duplicate.");

    // --- short-term
    public static final ConfigOption<Integer> FLUSH_TOKENS =
            key("memflow.short-term.flush-tokens")
                    .intType()
                    .defaultValue(512)
                    .withDescription(
                            "Buffered tokens that trigger consolidation of the segments (LightMem"
                                    + " th).");
    public static final ConfigOption<Duration> SHORT_TERM_IDLE_GAP =
            key("memflow.short-term.idle-gap")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDescription(
                            "Event-time silence after which buffered segments are consolidated.");
    public static final ConfigOption<Double> TOPIC_THRESHOLD =
            key("memflow.short-term.topic-threshold")
                    .doubleType()
                    .defaultValue(0.2)
                    .withDescription(
                            "Start of LightMem's adaptive topic threshold: a run of turns is cut"
                                    + " where consecutive turns' cosine is below the lowest"
                                    + " threshold from this value up to 0.5 (steps of 0.05) that"
                                    + " cuts anywhere. Used when embeddings are enabled; otherwise"
                                    + " segments follow sessions.");

    // --- long-term
    public static final ConfigOption<Duration> SLEEP_IDLE_GAP =
            key("memflow.sleep.idle-gap")
                    .durationType()
                    .defaultValue(Duration.ofHours(2))
                    .withDescription(
                            "Event-time idleness of a user after which sleep-time consolidation"
                                    + " runs.");
    public static final ConfigOption<Integer> CAPACITY =
            key("memflow.long-term.capacity")
                    .intType()
                    .defaultValue(5000)
                    .withDescription(
                            "Active memories per user; past it the least retained are archived.");
    public static final ConfigOption<Duration> RETIRED_RETENTION =
            key("memflow.long-term.retired-retention")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription(
                            "Event time after which an archived or merged-away memory leaves hot"
                                    + " state; its history stays on the changelog until a delete.");
    public static final ConfigOption<Integer> MAX_ENTRIES =
            key("memflow.long-term.max-entries")
                    .intType()
                    .defaultValue(8000)
                    .withDescription(
                            "Hot long-term records per user (any status); past it the oldest"
                                    + " inactive, then the least retained active ones leave.");
    public static final ConfigOption<MemorySize> MAX_BYTES =
            key("memflow.long-term.max-bytes")
                    .memoryType()
                    .defaultValue(MemorySize.parse("32mb"))
                    .withDescription(
                            "Hot long-term bytes per user (text, embedding, ids); enforced like"
                                    + " max-entries.");
    public static final ConfigOption<Double> MERGE_THRESHOLD =
            key("memflow.long-term.merge-threshold")
                    .doubleType()
                    .defaultValue(0.9)
                    .withDescription("Similarity at which two memories merge (LightMem theta).");

    // --- retrieval
    public static final ConfigOption<Integer> RETRIEVAL_K =
            key("memflow.retrieval.k")
                    .intType()
                    .defaultValue(10)
                    .withDescription("Memories returned per query when the query names no k.");

    public static final ConfigOption<Long> INDEX_CACHE_MEMORIES =
            key("memflow.retrieval.index-cache-memories")
                    .longType()
                    .defaultValue(20_000L)
                    .withDescription(
                            "Memories per long-term subtask whose search structures (the record,"
                                    + " term statistics, int8 vector: about 2 KB each on the heap)"
                                    + " stay in memory between queries, least recently queried"
                                    + " users out first; 0 rebuilds them for every query.");

    public static final ConfigOption<Double> BM25_WEIGHT =
            key("memflow.retrieval.bm25-weight")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription(
                            "Vote of the BM25 ranking in the reciprocal-rank fusion of the"
                                    + " retrieval signals; 0 turns it off.");

    public static final ConfigOption<Double> DENSE_WEIGHT =
            key("memflow.retrieval.dense-weight")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription(
                            "Vote of the embedding ranking in the fusion (equal to BM25's: the"
                                    + " standard reciprocal-rank fusion); 0 turns it off.");

    public static final ConfigOption<Double> SPEAKER_WEIGHT =
            key("memflow.retrieval.speaker-weight")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription(
                            "Vote for the memories of a speaker the question names (indirect"
                                    + " evidence, a quarter of a direct vote). All of them share"
                                    + " rank 1, so that is already a nudge of a few ranks; 0 turns"
                                    + " it off.");

    public static final ConfigOption<Double> NEIGHBOUR_WEIGHT =
            key("memflow.retrieval.neighbour-weight")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription(
                            "Vote for the memories just before and after the best hits in their"
                                    + " session (a hit's context: indirect evidence, a quarter of"
                                    + " a direct vote); 0 turns it off.");

    public static final ConfigOption<Boolean> EMBEDDING_ENABLED =
            key("memflow.embedding.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Embed memories with memflow.embedding.model and let the dense"
                                    + " ranking vote in retrieval; false ranks without vectors"
                                    + " (BM25 and the other signals).");

    public static final ConfigOption<String> EMBEDDING_MODEL =
            key("memflow.embedding.model")
                    .stringType()
                    .defaultValue("bge-small-en-v1.5-q")
                    .withDescription(
                            "Sentence embedder, bundled in the jar: bge-small-en-v1.5-q or"
                                    + " all-minilm-l6-v2-q (both int8 ONNX, 384-d). Every stored"
                                    + " vector records its model; vectors of another model are"
                                    + " re-embedded, never compared.");

    // --- inference
    public static final ConfigOption<String> MODEL_PATH =
            key("memflow.inference.model-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "GGUF model for the inference operator; unset means answers carry"
                                    + " memories only.");

    public static final ConfigOption<Boolean> LLM_SUMMARY =
            key("memflow.consolidate.llm-summary")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "With a model configured, consolidation adds one LLM-written summary"
                                    + " entry per short-term batch (one call per batch) to the"
                                    + " extractive facts. Off by default: a base model's text has"
                                    + " no place in long-term memory; use an instruction-tuned"
                                    + " model.");

    public static final ConfigOption<Integer> KV_BUDGET =
            key("memflow.inference.kv-budget")
                    .intType()
                    .defaultValue(80)
                    .withDescription(
                            "EpiCache budget M: KV entries kept per layer (on average over the"
                                    + " layers) in each episode's cache; peak is M + block.");

    public static final ConfigOption<Integer> PREFILL_BLOCK =
            key("memflow.inference.prefill-block")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "EpiCache block B: context tokens prefilled between evictions.");

    public static final ConfigOption<Integer> EPISODES =
            key("memflow.inference.episodes")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Episodes (K-means clusters) per user, one KV cache each.");

    public static final ConfigOption<Integer> MAX_NEW_TOKENS =
            key("memflow.inference.max-new-tokens")
                    .intType()
                    .defaultValue(32)
                    .withDescription("Tokens generated per answer at most (greedy decoding).");

    public static final ConfigOption<MemorySize> KV_POOL_SIZE =
            key("memflow.inference.kv-pool-size")
                    .memoryType()
                    .defaultValue(MemorySize.parse("256mb"))
                    .withDescription(
                            "Global byte budget of the engine's KV cache pool per TaskManager;"
                                    + " least recently used episode caches are evicted past it.");

    public static final ConfigOption<Integer> MAX_UTTERANCES =
            key("memflow.inference.max-utterances")
                    .intType()
                    .defaultValue(512)
                    .withDescription(
                            "Recent utterances per user kept in state to build episodes from.");

    public static final ConfigOption<Integer> INFERENCE_THREADS =
            key("memflow.inference.threads")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Worker threads of the engine's matrix kernels.");

    public static final ConfigOption<Integer> INFERENCE_MAX_IN_FLIGHT =
            key("memflow.inference.max-in-flight")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "Answers waiting for generation per subtask (async I/O capacity);"
                                    + " back-pressure beyond it.");

    public static final ConfigOption<Duration> INFERENCE_TIMEOUT =
            key("memflow.inference.timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "Longest one answer may wait for generation; past it the answer"
                                    + " leaves without generated text.");

    // --- remote engine (OpenAI-compatible endpoint)
    public static final ConfigOption<String> ENDPOINT =
            key("memflow.inference.endpoint")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Base URL of an OpenAI-compatible API (vLLM, llama.cpp server, Ollama,"
                                    + " a hosted API, memflow serve-model), e.g."
                                    + " http://localhost:8000/v1. Set, answers get generated text"
                                    + " from its chat completions instead of the embedded engine"
                                    + " (EpiCache applies to the embedded engine only); exclusive"
                                    + " with memflow.inference.model-path.");

    public static final ConfigOption<String> ENDPOINT_MODEL =
            key("memflow.inference.endpoint-model")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Model name sent to memflow.inference.endpoint; required with it.");

    public static final ConfigOption<String> ENDPOINT_API_KEY_FILE =
            key("memflow.inference.endpoint-api-key-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "File holding the endpoint's API key (read on the TaskManager, never"
                                    + " part of the job graph).");

    public static final ConfigOption<String> ENDPOINT_API_KEY_ENV =
            key("memflow.inference.endpoint-api-key-env")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Name of the environment variable holding the endpoint's API key"
                                    + " (e.g. OPENAI_API_KEY); without a key file or variable no"
                                    + " key is sent.");

    public static final ConfigOption<Duration> ENDPOINT_TIMEOUT =
            key("memflow.inference.endpoint-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("Longest one request to the endpoint may take.");

    public static final ConfigOption<Integer> ENDPOINT_MAX_CONCURRENT =
            key("memflow.inference.endpoint-max-concurrent")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Requests in flight to the endpoint per subtask at most.");

    public static final ConfigOption<Integer> ENDPOINT_RETRIES =
            key("memflow.inference.endpoint-retries")
                    .intType()
                    .defaultValue(2)
                    .withDescription(
                            "Retries of a request that got 408, 409, 429 or 5xx or lost its"
                                    + " connection, with exponential back-off (honouring"
                                    + " Retry-After); then the request has failed.");

    public static final ConfigOption<String> CONSOLIDATION_MODE =
            key("memflow.consolidation.mode")
                    .stringType()
                    .defaultValue("extractive")
                    .withDescription(
                            "extractive: every kept turn becomes a fact, no model. llm: one chat"
                                    + " completion per short-term batch to"
                                    + " memflow.inference.endpoint extracts the facts as JSON"
                                    + " (text, speaker, date, source turn ids); invalid or failed"
                                    + " output falls back to the extractive facts of that batch.");

    public static final ConfigOption<Integer> CONSOLIDATION_MAX_TOKENS =
            key("memflow.consolidation.llm-max-tokens")
                    .intType()
                    .defaultValue(512)
                    .withDescription(
                            "Completion tokens of one LLM extraction call at most"
                                    + " (memflow.consolidation.mode=llm).");

    private static ConfigOption<String> topic(String name) {
        return key("memflow.topics." + name)
                .stringType()
                .defaultValue("memflow." + name)
                .withDescription("Topic " + "memflow." + name + ".");
    }

    /** Every option, for docs and the README check. */
    public static List<ConfigOption<?>> all() {
        return List.of(
                BOOTSTRAP_SERVERS,
                GROUP_ID,
                TRANSACTIONAL_ID_PREFIX,
                KAFKA_PROPERTIES_FILE,
                STARTING_OFFSETS,
                TOPIC_TURNS,
                TOPIC_AGENT_EVENTS,
                TOPIC_QUERIES,
                TOPIC_CONTROL,
                TOPIC_MEMORY_CHANGES,
                TOPIC_ANSWERS,
                TOPIC_DEAD_LETTERS,
                ANSWERS_RETENTION,
                MAX_PARALLELISM,
                OUT_OF_ORDERNESS,
                MAX_TEXT_BYTES,
                MAX_FUTURE_SKEW,
                KEEP_RATIO,
                RING_SIZE,
                DUPLICATE_THRESHOLD,
                FLUSH_TOKENS,
                SHORT_TERM_IDLE_GAP,
                TOPIC_THRESHOLD,
                SLEEP_IDLE_GAP,
                CAPACITY,
                RETIRED_RETENTION,
                MAX_ENTRIES,
                MAX_BYTES,
                MERGE_THRESHOLD,
                RETRIEVAL_K,
                EMBEDDING_ENABLED,
                EMBEDDING_MODEL,
                INDEX_CACHE_MEMORIES,
                BM25_WEIGHT,
                DENSE_WEIGHT,
                SPEAKER_WEIGHT,
                NEIGHBOUR_WEIGHT,
                MODEL_PATH,
                LLM_SUMMARY,
                KV_BUDGET,
                PREFILL_BLOCK,
                EPISODES,
                MAX_NEW_TOKENS,
                KV_POOL_SIZE,
                MAX_UTTERANCES,
                INFERENCE_THREADS,
                INFERENCE_MAX_IN_FLIGHT,
                INFERENCE_TIMEOUT,
                ENDPOINT,
                ENDPOINT_MODEL,
                ENDPOINT_API_KEY_FILE,
                ENDPOINT_API_KEY_ENV,
                ENDPOINT_TIMEOUT,
                ENDPOINT_MAX_CONCURRENT,
                ENDPOINT_RETRIES,
                CONSOLIDATION_MODE,
                CONSOLIDATION_MAX_TOKENS);
    }
}
