package io.memflow.operators.inference;

import io.memflow.operators.embedding.Embedders;
import io.memflow.serving.epicache.LayerBudgets;
import io.memflow.serving.epicache.LayerProfile;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.model.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model, one KV pool and one generation thread per TaskManager JVM and settings, shared by all
 * subtasks of the inference operators (a model is hundreds of MB to GB; loading it per subtask
 * would multiply that). Reference-counted: the last operator to close releases the model and the
 * pool, so a job restarted in the same JVM starts with an empty pool and rebuilds its caches from
 * state, exactly as on a new TaskManager.
 */
public final class SharedEngines {
    private static final Logger LOG = LoggerFactory.getLogger(SharedEngines.class);

    /** Generations queued beyond the one running; async I/O capacity bounds it far below. */
    private static final int QUEUE = 1024;

    private static final Map<InferenceSettings, Handle> HANDLES = new HashMap<>();

    private SharedEngines() {}

    /** A reference to the shared engine; {@link #close()} it exactly once. */
    public static final class Handle implements AutoCloseable {
        private final InferenceSettings settings;
        private final EpisodicEngine engine;
        private final ExecutorService executor;
        private int refs;

        private Handle(InferenceSettings settings, EpisodicEngine engine) {
            this.settings = settings;
            this.engine = engine;
            // one thread: the model's forward pass is synchronized anyway, and its kernels already
            // use the worker pool's threads; a bounded queue keeps memory bounded under overload
            this.executor =
                    new ThreadPoolExecutor(
                            1,
                            1,
                            0L,
                            TimeUnit.MILLISECONDS,
                            new ArrayBlockingQueue<>(QUEUE),
                            r -> {
                                Thread t = new Thread(r, "memflow-inference");
                                t.setDaemon(true);
                                return t;
                            });
        }

        public EpisodicEngine engine() {
            return engine;
        }

        public KvPool pool() {
            return engine.pool();
        }

        public ExecutorService executor() {
            return executor;
        }

        @Override
        public void close() {
            release(this);
        }
    }

    /** The shared engine for {@code settings}, loading the model on first use. */
    public static synchronized Handle acquire(InferenceSettings settings) throws IOException {
        Handle h = HANDLES.get(settings);
        if (h == null) {
            h = new Handle(settings, load(settings));
            HANDLES.put(settings, h);
        }
        h.refs++;
        return h;
    }

    /** The pool of the engine loaded for {@code settings}, or null when none is (demo output). */
    public static synchronized KvPool poolOf(InferenceSettings settings) {
        Handle h = HANDLES.get(settings);
        return h == null ? null : h.pool();
    }

    private static synchronized void release(Handle h) {
        if (--h.refs > 0) {
            return;
        }
        HANDLES.remove(h.settings);
        h.executor.shutdownNow();
        try {
            h.engine.model().close();
        } catch (Exception e) {
            LOG.warn("closing model {} failed", h.settings.modelPath(), e);
        }
    }

    private static EpisodicEngine load(InferenceSettings s) throws IOException {
        Path path = Path.of(s.modelPath());
        if (!Files.isRegularFile(path)) {
            throw new IOException(
                    "memflow.inference.model-path "
                            + path.toAbsolutePath()
                            + " is not a file; point it at a GGUF model or unset it");
        }
        long t0 = System.nanoTime();
        LlamaModel model = LlamaModel.load(path, s.threads(), Kernels.preferred());
        LayerProfile profile = profile(model, path);
        int[] budgets = profile.budgets(s.budget(), LayerBudgets.LLAMA_ALPHA);
        LOG.info(
                "inference: loaded {} in {} ms; {} layers, context {}, KV budget {} entries/layer"
                        + " (per layer {}), pool {} bytes",
                path,
                (System.nanoTime() - t0) / 1_000_000,
                model.config().layers(),
                model.config().contextLength(),
                s.budget(),
                java.util.Arrays.toString(budgets),
                s.poolBytes());
        return new EpisodicEngine(
                model, Embedders.load(s.embeddingModel()), s, budgets, new KvPool(s.poolBytes()));
    }

    /**
     * The layer profile stored beside the model, measured once if missing. Model volumes are often
     * read-only; then it is measured in memory on every load (deterministic, a few forward passes).
     */
    private static LayerProfile profile(LlamaModel model, Path path) {
        try {
            return LayerProfile.loadOrMeasure(model, LayerProfile.besideModel(path));
        } catch (IOException | UncheckedIOException e) {
            LOG.info(
                    "inference: cannot store the layer profile beside {} ({}); measured in memory",
                    path,
                    e.getMessage());
            return LayerProfile.measure(model);
        }
    }
}
