package io.memflow.serving.model;

import io.memflow.serving.gguf.GgufFile;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kernels.WorkerPool;
import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.tokenizer.Tokenizer;
import io.memflow.serving.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A loaded Llama-family model: config (the blueprint), memory-mapped weights, tokenizer, and the
 * forward pass. The KV cache is not part of the model: each sequence brings its own {@link
 * KvCache}, so one model serves many sequences (one forward call at a time).
 */
public final class LlamaModel implements AutoCloseable {
    /** Tokens of a prompt sent through the forward pass together. */
    public static final int DEFAULT_BLOCK = 64;

    private final Path path;
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Tokenizer tokenizer;
    private final Rope rope;
    private final Kernels kernels;
    private final WorkerPool pool;
    private ForwardState state;

    private LlamaModel(
            Path path,
            LlamaConfig config,
            LlamaWeights weights,
            Tokenizer tokenizer,
            Kernels kernels,
            int threads) {
        this.path = path;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.rope = Rope.forConfig(config, weights.ropeFreqFactors);
        this.kernels = kernels;
        this.pool = new WorkerPool(threads);
    }

    /** Loads a GGUF model; errors name the file and the problem. */
    public static LlamaModel load(Path path, int threads, Kernels kernels) throws IOException {
        try (GgufFile file = GgufFile.open(path)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(path, file.metadata());
            LlamaConfig config =
                    LlamaConfig.fromGguf(path, file.metadata(), tokenizer.vocabulary().size());
            LlamaWeights weights = new LlamaWeights(file, config);
            return new LlamaModel(path, config, weights, tokenizer, kernels, threads);
        }
    }

    public Path path() {
        return path;
    }

    public LlamaConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Kernels kernels() {
        return kernels;
    }

    public int threads() {
        return pool.threads();
    }

    /** Weight bytes one decode step reads: the numerator of the memory-bandwidth bound. */
    public long weightBytesPerToken() {
        return weights.bytesPerToken();
    }

    /** An empty cache able to hold the model's whole context in every layer. */
    public KvCache newCache() {
        return new KvCache(config.layers(), config.kvDim(), config.contextLength());
    }

    /**
     * Runs {@code tokens} (at {@code positions}, ascending, after every position already cached)
     * through the model, appending their keys and values to {@code cache}.
     *
     * @param recorder records attention of watched query positions, or null
     * @return the logits (vocab) of the last token, a fresh array
     */
    public synchronized float[] forward(
            int[] tokens, int[] positions, KvCache cache, AttentionRecorder recorder) {
        run(tokens, positions, cache, recorder);
        ForwardState s = state;
        int last = tokens.length - 1;
        Blocks.rmsnorm(s.xb[last], s.x[last], weights.outputNorm, config.rmsEps());
        float[][] lastRow = {s.xb[last]};
        Blocks.matmul(
                kernels,
                pool,
                weights.output,
                lastRow,
                s.logits,
                1,
                config.vocabSize(),
                config.dim());
        return s.logits[0].clone();
    }

    /** Like {@link #forward} without computing logits: for prompt blocks whose output is unused. */
    public synchronized void prefill(
            int[] tokens, int[] positions, KvCache cache, AttentionRecorder recorder) {
        run(tokens, positions, cache, recorder);
    }

    private void run(int[] tokens, int[] positions, KvCache cache, AttentionRecorder recorder) {
        checkBlock(tokens, positions, cache);
        int n = tokens.length;
        ForwardState s = stateFor(n);
        LlamaConfig c = config;
        int qDim = c.heads() * c.headSize();
        for (int t = 0; t < n; t++) {
            kernels.dequantize(weights.tokenEmbedding, tokens[t] * c.dim(), s.x[t], 0, c.dim());
        }
        for (int l = 0; l < c.layers(); l++) {
            // attention: rmsnorm -> q, k, v projections -> RoPE -> cache -> attend -> wo
            for (int t = 0; t < n; t++) {
                Blocks.rmsnorm(s.xb[t], s.x[t], weights.attnNorm[l], c.rmsEps());
            }
            Blocks.matmul(kernels, pool, weights.wq[l], s.xb, s.q, n, qDim, c.dim());
            Blocks.matmul(kernels, pool, weights.wk[l], s.xb, s.k, n, c.kvDim(), c.dim());
            Blocks.matmul(kernels, pool, weights.wv[l], s.xb, s.v, n, c.kvDim(), c.dim());
            if (weights.bq != null) {
                Blocks.addBias(s.q, weights.bq[l], n);
                Blocks.addBias(s.k, weights.bk[l], n);
                Blocks.addBias(s.v, weights.bv[l], n);
            }
            for (int t = 0; t < n; t++) {
                rope.rotate(s.q[t], 0, c.heads(), positions[t]);
                rope.rotate(s.k[t], 0, c.kvHeads(), positions[t]);
                cache.append(l, positions[t], s.k[t], 0, s.v[t], 0);
            }
            Attention.attend(c, kernels, pool, cache, l, s.q, positions, n, s.xb, recorder);
            Blocks.matmul(kernels, pool, weights.wo[l], s.xb, s.xb2, n, c.dim(), qDim);
            Blocks.residual(s.x, s.xb2, n, c.dim());

            // feed-forward: rmsnorm -> gate, up -> SwiGLU -> down
            for (int t = 0; t < n; t++) {
                Blocks.rmsnorm(s.xb[t], s.x[t], weights.ffnNorm[l], c.rmsEps());
            }
            Blocks.matmul(kernels, pool, weights.wGate[l], s.xb, s.hb, n, c.hiddenDim(), c.dim());
            Blocks.matmul(kernels, pool, weights.wUp[l], s.xb, s.hb2, n, c.hiddenDim(), c.dim());
            Blocks.swiglu(s.hb, s.hb2, n, c.hiddenDim());
            Blocks.matmul(kernels, pool, weights.wDown[l], s.hb, s.xb2, n, c.dim(), c.hiddenDim());
            Blocks.residual(s.x, s.xb2, n, c.dim());
        }
    }

    private void checkBlock(int[] tokens, int[] positions, KvCache cache) {
        if (tokens.length == 0 || tokens.length != positions.length) {
            throw new IllegalArgumentException(
                    "need as many positions as tokens (and at least one): "
                            + tokens.length
                            + " tokens, "
                            + positions.length
                            + " positions");
        }
        if (cache.layers() != config.layers() || cache.kvDim() != config.kvDim()) {
            throw new IllegalArgumentException("KV cache shape does not match " + path);
        }
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + tokens[t] + " outside vocabulary of " + config.vocabSize());
            }
            if (positions[t] < 0 || positions[t] >= config.contextLength()) {
                throw new IllegalArgumentException(
                        "position "
                                + positions[t]
                                + " outside the context length "
                                + config.contextLength()
                                + " of "
                                + path);
            }
        }
    }

    private ForwardState stateFor(int tokens) {
        if (state == null || state.capacity < tokens) {
            state = new ForwardState(config, tokens);
        }
        return state;
    }

    @Override
    public void close() {
        pool.close();
    }
}
