package io.memflow.operators.remote;

import io.memflow.operators.longterm.Tombstones;
import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.schemas.MemoryAnswer;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generated text for answers from a remote OpenAI-compatible endpoint, through Flink's async I/O:
 * the task thread never waits for the server. Requests run on this subtask's own bounded pool
 * ({@code memflow.inference.endpoint-max-concurrent} threads), created in {@link #open} and shut
 * down in {@link #close}; the engine is built there from the injected {@link RemoteSettings}.
 *
 * <p>An answer is never lost to the endpoint: when the call fails (after the client's retries),
 * times out or finds the queue full, the answer leaves with its memories and no text, and {@code
 * answersWithoutText} counts it. Tombstones and rejected queries pass through untouched.
 */
public class RemoteGenerateFunction extends RichAsyncFunction<MemoryAnswer, MemoryAnswer> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RemoteGenerateFunction.class);

    private final RemoteSettings settings;
    private final int queue;

    private transient RemoteEngine engine;
    private transient ThreadPoolExecutor executor;
    private transient Counter generated;
    private transient Counter withoutText;
    private transient Counter promptTokens;
    private transient Counter completionTokens;

    /**
     * @param queue requests waiting for a free connection at most (the operator's async capacity)
     */
    public RemoteGenerateFunction(RemoteSettings settings, int queue) {
        this.settings = settings;
        this.queue = Math.max(1, queue);
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        engine = RemoteEngine.create(settings);
        int n = settings.maxConcurrent();
        executor =
                new ThreadPoolExecutor(
                        n,
                        n,
                        0L,
                        TimeUnit.MILLISECONDS,
                        new ArrayBlockingQueue<>(queue),
                        r -> {
                            Thread t = new Thread(r, "memflow-remote-inference");
                            t.setDaemon(true);
                            return t;
                        });
        var g = getRuntimeContext().getMetricGroup().addGroup(MemflowMetrics.GROUP);
        generated = g.counter(MemflowMetrics.ANSWERS_GENERATED);
        withoutText = g.counter(MemflowMetrics.ANSWERS_WITHOUT_TEXT);
        promptTokens = g.counter(MemflowMetrics.ANSWER_PROMPT_TOKENS);
        completionTokens = g.counter(MemflowMetrics.ANSWER_COMPLETION_TOKENS);
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    @Override
    public void asyncInvoke(MemoryAnswer a, ResultFuture<MemoryAnswer> result) {
        if (Tombstones.is(a) || a.getErrorCode() != null) {
            result.complete(List.of(a));
            return;
        }
        try {
            executor.execute(() -> run(a, result));
        } catch (RejectedExecutionException e) {
            LOG.warn("remote inference queue full; answer {} leaves without text", a.getQueryId());
            withoutText(a, result);
        }
    }

    private void run(MemoryAnswer a, ResultFuture<MemoryAnswer> result) {
        try {
            RemoteEngine.Reply r = engine.chat(AnswerPrompt.of(a), settings.maxNewTokens(), false);
            promptTokens.inc(r.promptTokens());
            completionTokens.inc(r.completionTokens());
            generated.inc();
            result.complete(
                    List.of(MemoryAnswer.newBuilder(a).setGeneratedText(r.text().strip()).build()));
        } catch (RuntimeException e) {
            LOG.warn(
                    "remote inference at {} failed for answer {}; it leaves without text: {}",
                    settings.endpoint(),
                    a.getQueryId(),
                    e.toString());
            withoutText(a, result);
        }
    }

    @Override
    public void timeout(MemoryAnswer a, ResultFuture<MemoryAnswer> result) {
        LOG.warn(
                "remote inference timed out for answer {}; it leaves without text", a.getQueryId());
        withoutText(a, result);
    }

    private void withoutText(MemoryAnswer a, ResultFuture<MemoryAnswer> result) {
        withoutText.inc();
        result.complete(List.of(a));
    }
}
