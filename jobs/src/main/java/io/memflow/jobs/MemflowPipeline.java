package io.memflow.jobs;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.consolidate.ConsolidateFunction;
import io.memflow.operators.consolidate.Consolidator;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.inference.EpisodeFunction;
import io.memflow.operators.inference.GenerateFunction;
import io.memflow.operators.inference.InferenceSettings;
import io.memflow.operators.inference.LlmSummaryConsolidator;
import io.memflow.operators.ingest.DecodeValidateFunction;
import io.memflow.operators.ingest.InputDecoder;
import io.memflow.operators.longterm.LongTermFunction;
import io.memflow.operators.longterm.LongTermMemory;
import io.memflow.operators.ordering.EventOrderFunction;
import io.memflow.operators.remote.LlmExtractionConsolidator;
import io.memflow.operators.remote.RemoteGenerateFunction;
import io.memflow.operators.remote.RemoteSettings;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.sensory.PosTokenScorer;
import io.memflow.operators.sensory.SensoryFilter;
import io.memflow.operators.sensory.SensoryFunction;
import io.memflow.operators.shortterm.AdaptiveTopicBoundary;
import io.memflow.operators.shortterm.ShortTermBuffer;
import io.memflow.operators.shortterm.ShortTermFunction;
import io.memflow.operators.shortterm.TopicBoundary;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.internal.InferenceRequest;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.RawEvent;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Builds the memflow job graph from its source and sinks, so that the production job, the demo, the
 * evaluation and the tests all run the same graph:
 *
 * <pre>
 * source(raw records) ─ decode+validate ─┬─ dead letters ──────────────────────────> sink
 *                                         └─ keyBy(tenant|user) ─ event order (per-user clock) ─ sensory ─ short-term
 *                 ─ consolidate ─ long-term ─┬─ memory changes ─────────────────────> sink
 *                                            └─ answers ─┬──────────────────────────> sink
 *   (with a model) event order + answers ─ inference-episodes ─ inference-generate ─┘
 * </pre>
 *
 * The tiers stay keyed by {@code tenant|user} end to end without reshuffling (the stream is
 * re-interpreted as keyed), so one user's events are handled in order on one subtask.
 */
public final class MemflowPipeline {
    private MemflowPipeline() {}

    /** The key of every tier. */
    public static final class UserKey implements KeySelector<MemoryInput, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(MemoryInput in) {
            return in.getKey();
        }
    }

    /** The same key for answers: tenant|user. */
    public static final class AnswerKey implements KeySelector<MemoryAnswer, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(MemoryAnswer a) {
            return InputDecoder.key(a.getTenantId(), a.getUserId());
        }
    }

    /**
     * @param tap optional hook between decoding and the tiers (tests insert fault injection here)
     */
    public static void build(
            StreamExecutionEnvironment env,
            ReadableConfig conf,
            Source<RawEvent, ?, ?> source,
            Sink<MemoryChange> changes,
            Sink<MemoryAnswer> answers,
            Sink<DeadLetter> deadLetters,
            @Nullable MapFunction<MemoryInput, MemoryInput> tap) {
        env.setMaxParallelism(conf.get(MemflowOptions.MAX_PARALLELISM));

        InputDecoder decoder =
                new InputDecoder(
                        new InputDecoder.Topics(
                                conf.get(MemflowOptions.TOPIC_TURNS),
                                conf.get(MemflowOptions.TOPIC_AGENT_EVENTS),
                                conf.get(MemflowOptions.TOPIC_QUERIES),
                                conf.get(MemflowOptions.TOPIC_CONTROL)),
                        conf.get(MemflowOptions.MAX_TEXT_BYTES),
                        conf.get(MemflowOptions.MAX_FUTURE_SKEW));

        // No watermarks: a watermark is one clock for every key of an operator, so one tenant's
        // backlog or future-dated event would hold back or fire every other user's work. Each
        // user's own clock lives in keyed state instead (event-order, then the tiers' wall-clock
        // timers). Event time still comes from the payload, read after decoding. A bounded source
        // still ends with the final watermark, which releases whatever is held.
        DataStream<RawEvent> raw =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka-source")
                        .uid(Uids.SOURCE);
        SingleOutputStreamOperator<MemoryInput> decoded =
                raw.process(new DecodeValidateFunction(decoder))
                        .returns(new AvroTypeInfo<>(MemoryInput.class))
                        .name("decode-validate")
                        .uid(Uids.DECODE);
        decoded.getSideOutput(DecodeValidateFunction.DEAD_LETTERS)
                .sinkTo(deadLetters)
                .name("dead-letters")
                .uid(Uids.SINK_DEAD_LETTERS);

        DataStream<MemoryInput> timed = decoded;
        if (tap != null) {
            timed =
                    timed.map(tap)
                            .returns(new AvroTypeInfo<>(MemoryInput.class))
                            .name("tap")
                            .uid("tap");
        }

        UserKey key = new UserKey();
        SensoryFilter sensory =
                new SensoryFilter(
                        conf.get(MemflowOptions.RING_SIZE),
                        conf.get(MemflowOptions.DUPLICATE_THRESHOLD),
                        conf.get(MemflowOptions.KEEP_RATIO),
                        new PosTokenScorer());
        DataStream<MemoryInput> ordered =
                timed.keyBy(key)
                        .process(
                                new EventOrderFunction(
                                        conf.get(MemflowOptions.OUT_OF_ORDERNESS).toMillis(),
                                        conf.get(MemflowOptions.QUIET_RELEASE).toMillis()))
                        .returns(new AvroTypeInfo<>(MemoryInput.class))
                        .name("event-order")
                        .uid(Uids.EVENT_ORDER);
        DataStream<MemoryInput> sensed =
                DataStreamUtils.reinterpretAsKeyedStream(ordered, key)
                        .process(new SensoryFunction(sensory))
                        .returns(new AvroTypeInfo<>(MemoryInput.class))
                        .name("sensory")
                        .uid(Uids.SENSORY);

        // the one embedding model of the job (null: none), named here and loaded by each operator
        String embeddingModel = Embedders.modelOf(conf);
        ShortTermBuffer buffer =
                new ShortTermBuffer(
                        conf.get(MemflowOptions.FLUSH_TOKENS),
                        conf.get(MemflowOptions.SHORT_TERM_IDLE_GAP).toMillis(),
                        embeddingModel != null
                                ? new AdaptiveTopicBoundary(
                                        conf.get(MemflowOptions.TOPIC_THRESHOLD), embeddingModel)
                                : TopicBoundary.sessionsOnly());
        DataStream<MemoryInput> buffered =
                DataStreamUtils.reinterpretAsKeyedStream(sensed, key)
                        .process(new ShortTermFunction(buffer))
                        .returns(new AvroTypeInfo<>(MemoryInput.class))
                        .name("short-term")
                        .uid(Uids.SHORT_TERM);

        RemoteSettings remote = RemoteSettings.of(conf);
        InferenceSettings inference = InferenceSettings.of(conf);
        Consolidator consolidator = consolidator(conf, inference, remote);
        DataStream<MemoryInput> consolidated =
                buffered.map(new ConsolidateFunction(consolidator, embeddingModel))
                        .returns(new AvroTypeInfo<>(MemoryInput.class))
                        .name("consolidate")
                        .uid(Uids.CONSOLIDATE);

        LongTermMemory longTerm =
                new LongTermMemory(
                        conf.get(MemflowOptions.CAPACITY),
                        conf.get(MemflowOptions.MERGE_THRESHOLD),
                        Retriever.of(conf),
                        new LongTermMemory.Bounds(
                                conf.get(MemflowOptions.MAX_ENTRIES),
                                conf.get(MemflowOptions.MAX_BYTES).getBytes(),
                                conf.get(MemflowOptions.RETIRED_RETENTION).toMillis()));
        SingleOutputStreamOperator<MemoryChange> changelog =
                DataStreamUtils.reinterpretAsKeyedStream(consolidated, key)
                        .process(
                                new LongTermFunction(
                                        longTerm,
                                        conf.get(MemflowOptions.SLEEP_IDLE_GAP).toMillis(),
                                        conf.get(MemflowOptions.RETRIEVAL_K),
                                        conf.get(MemflowOptions.INDEX_CACHE_MEMORIES)))
                        .returns(new AvroTypeInfo<>(MemoryChange.class))
                        .name("long-term")
                        .uid(Uids.LONG_TERM);
        changelog.sinkTo(changes).name("memory-changes").uid(Uids.SINK_CHANGES);
        DataStream<MemoryAnswer> answered = changelog.getSideOutput(LongTermFunction.ANSWERS);
        if (inference != null) {
            answered = withInference(conf, inference, ordered, answered, key);
        } else if (remote != null) {
            answered = withRemoteInference(conf, remote, answered);
        }
        // a rejected query is answered too (with its error), besides its dead letter
        answered.union(decoded.getSideOutput(DecodeValidateFunction.ERROR_ANSWERS))
                .sinkTo(answers)
                .name("answers")
                .uid(Uids.SINK_ANSWERS);
    }

    /**
     * Extractive facts by default; {@code memflow.consolidation.mode=llm} asks the endpoint for
     * them (one call per batch); {@code memflow.consolidate.llm-summary} adds an embedded-model
     * summary.
     */
    static Consolidator consolidator(
            ReadableConfig conf, InferenceSettings inference, RemoteSettings remote) {
        String mode = conf.get(MemflowOptions.CONSOLIDATION_MODE).strip();
        Consolidator c;
        switch (mode) {
            case "extractive" -> c = new ExtractiveConsolidator();
            case "llm" -> {
                if (remote == null) {
                    throw new IllegalArgumentException(
                            "memflow.consolidation.mode=llm needs memflow.inference.endpoint (and"
                                    + " endpoint-model): the model that extracts the facts");
                }
                c =
                        new LlmExtractionConsolidator(
                                remote, conf.get(MemflowOptions.CONSOLIDATION_MAX_TOKENS));
            }
            default ->
                    throw new IllegalArgumentException(
                            "memflow.consolidation.mode is '" + mode + "'; use extractive or llm");
        }
        if (inference != null && conf.get(MemflowOptions.LLM_SUMMARY)) {
            c = new LlmSummaryConsolidator(c, inference);
        }
        return c;
    }

    /**
     * Generated text from a remote OpenAI-compatible endpoint: the retrieval answers go through
     * async I/O to it (no keyed state: the answer carries the memories and the question).
     */
    private static DataStream<MemoryAnswer> withRemoteInference(
            ReadableConfig conf, RemoteSettings remote, DataStream<MemoryAnswer> answers) {
        int capacity = conf.get(MemflowOptions.INFERENCE_MAX_IN_FLIGHT);
        return AsyncDataStream.orderedWait(
                        answers,
                        new RemoteGenerateFunction(remote, capacity),
                        conf.get(MemflowOptions.INFERENCE_TIMEOUT).toMillis(),
                        TimeUnit.MILLISECONDS,
                        capacity)
                .returns(new AvroTypeInfo<>(MemoryAnswer.class))
                .name("inference-remote")
                .uid(Uids.INFERENCE_REMOTE);
    }

    /**
     * The inference tier: the user's observations (full text, event order) and the retrieval
     * answers meet in the keyed episode operator, whose requests go through async I/O to the
     * TaskManager's engine. Without a model the answers go to the sink as they are.
     */
    private static DataStream<MemoryAnswer> withInference(
            ReadableConfig conf,
            InferenceSettings settings,
            DataStream<MemoryInput> ordered,
            DataStream<MemoryAnswer> answers,
            UserKey key) {
        DataStream<InferenceRequest> requests =
                ordered.keyBy(key)
                        .connect(answers.keyBy(new AnswerKey()))
                        .process(new EpisodeFunction(settings))
                        .returns(new AvroTypeInfo<>(InferenceRequest.class))
                        .name("inference-episodes")
                        .uid(Uids.INFERENCE_EPISODES);
        return AsyncDataStream.orderedWait(
                        requests,
                        new GenerateFunction(settings),
                        conf.get(MemflowOptions.INFERENCE_TIMEOUT).toMillis(),
                        TimeUnit.MILLISECONDS,
                        conf.get(MemflowOptions.INFERENCE_MAX_IN_FLIGHT))
                .returns(new AvroTypeInfo<>(MemoryAnswer.class))
                .name("inference-generate")
                .uid(Uids.INFERENCE_GENERATE);
    }
}
