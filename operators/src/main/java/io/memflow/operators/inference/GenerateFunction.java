package io.memflow.operators.inference;

import io.memflow.operators.longterm.Tombstones;
import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.internal.InferenceRequest;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generation half of the inference tier, run through Flink's async I/O so the task thread never
 * blocks on the model: each request goes to the TaskManager's one generation thread, which takes
 * the routed episode's cache from the {@link KvPool} (rebuilding it from the request's token ids
 * when missing, e.g. after a restore) and completes the answer with the generated text.
 *
 * <p>An answer is never lost to the engine: if generation fails or times out it leaves with its
 * memories and no text, and the reason is logged.
 */
public class GenerateFunction extends RichAsyncFunction<InferenceRequest, MemoryAnswer> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GenerateFunction.class);

    private final InferenceSettings settings;

    private transient SharedEngines.Handle engine;
    private transient Counter generated;
    private transient volatile double prefillRate;
    private transient volatile double decodeRate;

    public GenerateFunction(InferenceSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        engine = SharedEngines.acquire(settings);
        KvPool pool = engine.pool();
        var g = getRuntimeContext().getMetricGroup().addGroup(MemflowMetrics.GROUP);
        // the pool is shared by the TaskManager's subtasks: every subtask reports the same pool
        g.gauge(MemflowMetrics.KV_BYTES_IN_USE, (Gauge<Long>) pool::bytesInUse);
        g.gauge(MemflowMetrics.KV_BYTES_ALLOCATED, (Gauge<Long>) pool::bytesAllocated);
        g.gauge(MemflowMetrics.KV_EVICTIONS, (Gauge<Long>) pool::evictions);
        g.gauge(MemflowMetrics.KV_CACHE_BUILDS, (Gauge<Long>) pool::builds);
        g.gauge(MemflowMetrics.PREFILL_TOKENS_PER_SECOND, (Gauge<Double>) () -> prefillRate);
        g.gauge(MemflowMetrics.DECODE_TOKENS_PER_SECOND, (Gauge<Double>) () -> decodeRate);
        generated = g.counter(MemflowMetrics.ANSWERS_GENERATED);
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    @Override
    public void asyncInvoke(InferenceRequest req, ResultFuture<MemoryAnswer> result) {
        if (!req.getForget() && Tombstones.is(req.getAnswer())) {
            result.complete(List.of(req.getAnswer()));
            return;
        }
        try {
            engine.executor().execute(() -> run(req, result));
        } catch (RejectedExecutionException e) {
            LOG.warn("inference queue full; answer {} leaves without text", queryId(req));
            complete(req, result, null);
        }
    }

    private void run(InferenceRequest req, ResultFuture<MemoryAnswer> result) {
        if (req.getForget()) {
            int n = engine.pool().invalidate(req.getCacheKey());
            LOG.info("inference: dropped {} KV caches of a forgotten user", n);
            result.complete(Collections.emptyList());
            return;
        }
        try {
            EpisodicEngine.Generation gen =
                    engine.engine()
                            .generate(
                                    req.getCacheKey(),
                                    req.getEpisode(),
                                    req.getAnswer().getQuestion(),
                                    EpisodeFunction.memoryTexts(req.getAnswer()));
            if (gen.prefillNanos() > 0) {
                prefillRate = gen.prefillTokens() * 1e9 / gen.prefillNanos();
            }
            if (gen.decodeNanos() > 0 && gen.decodeTokens() > 0) {
                decodeRate = gen.decodeTokens() * 1e9 / gen.decodeNanos();
            }
            generated.inc();
            complete(req, result, gen.text());
        } catch (RuntimeException e) {
            LOG.warn("inference failed for answer {}; it leaves without text", queryId(req), e);
            complete(req, result, null);
        }
    }

    @Override
    public void timeout(InferenceRequest req, ResultFuture<MemoryAnswer> result) {
        if (req.getForget()) {
            result.complete(Collections.emptyList());
            return;
        }
        LOG.warn("inference timed out for answer {}; it leaves without text", queryId(req));
        complete(req, result, null);
    }

    private static void complete(
            InferenceRequest req, ResultFuture<MemoryAnswer> result, String text) {
        if (req.getAnswer() == null) {
            result.complete(Collections.emptyList());
            return;
        }
        MemoryAnswer out = MemoryAnswer.newBuilder(req.getAnswer()).setGeneratedText(text).build();
        result.complete(List.of(out));
    }

    private static String queryId(InferenceRequest req) {
        return req.getAnswer() == null ? "-" : req.getAnswer().getQueryId();
    }
}
