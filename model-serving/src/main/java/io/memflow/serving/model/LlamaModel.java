package io.memflow.serving.model;

import io.memflow.serving.gguf.GgufFile;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kernels.Q8Activations;
import io.memflow.serving.kernels.WorkerPool;
import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.tensor.FloatTensor;
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
    private final boolean quantizedActivations;
    private ForwardState state;
    // each pool thread's attention-score buffer (see Attention.attend): no garbage per token;
    // the caller's own is dropped after each pass (see run)
    private final ThreadLocal<float[]> attentionScratch =
            ThreadLocal.withInitial(() -> new float[0]);

    private LlamaModel(
            Path path,
            LlamaConfig config,
            LlamaWeights weights,
            Tokenizer tokenizer,
            Kernels kernels,
            int threads,
            boolean quantizedActivations) {
        this.path = path;
        this.quantizedActivations = quantizedActivations;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.rope = Rope.forConfig(config, weights.ropeFreqFactors);
        this.kernels = kernels;
        this.pool = new WorkerPool(threads);
    }

    /**
     * Loads a GGUF model with quantized activations: matrices whose format has integer dot products
     * (Q8_0, Q4_0) read their input quantized to Q8 blocks, once per input vector, as llama.cpp
     * does. Errors name the file and the problem.
     */
    public static LlamaModel load(Path path, int threads, Kernels kernels) throws IOException {
        return load(path, threads, kernels, true);
    }

    /**
     * Loads a GGUF model.
     *
     * @param quantizedActivations true for integer dot products where the weight format has them
     *     (faster; each activation is rounded to 8 bits per 32-block); false to dot every matrix
     *     against float activations (the reference the integer path is measured against)
     */
    public static LlamaModel load(
            Path path, int threads, Kernels kernels, boolean quantizedActivations)
            throws IOException {
        try (GgufFile file = GgufFile.open(path)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(path, file.metadata());
            LlamaConfig config =
                    LlamaConfig.fromGguf(path, file.metadata(), tokenizer.vocabulary().size());
            LlamaWeights weights = new LlamaWeights(file, config);
            return new LlamaModel(
                    path, config, weights, tokenizer, kernels, threads, quantizedActivations);
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
     * Like {@link #newCache()} with room for {@code expectedTokens} from the start (capped at the
     * context length), so that a generation of known length never grows the cache's arrays.
     */
    public KvCache newCache(int expectedTokens) {
        return new KvCache(config.layers(), config.kvDim(), config.contextLength(), expectedTokens);
    }

    /**
     * Runs {@code tokens} (at {@code positions}, ascending, after every position already cached)
     * through the model, appending their keys and values to {@code cache}.
     *
     * @param recorder records attention of watched query positions, or null
     * @return the logits (vocab) of the last token, a fresh array
     */
    public float[] forward(
            int[] tokens, int[] positions, KvCache cache, AttentionRecorder recorder) {
        return forward(tokens, positions, cache, recorder, new float[config.vocabSize()]);
    }

    /**
     * Like {@link #forward(int[], int[], KvCache, AttentionRecorder)}, writing the last token's
     * logits into {@code logits} (length vocab) and returning it: a decode loop passes the same
     * array every step and allocates nothing per token.
     */
    public synchronized float[] forward(
            int[] tokens,
            int[] positions,
            KvCache cache,
            AttentionRecorder recorder,
            float[] logits) {
        if (logits.length != config.vocabSize()) {
            throw new IllegalArgumentException(
                    "logits need " + config.vocabSize() + " floats, got " + logits.length);
        }
        run(tokens, positions, cache, recorder);
        ForwardState s = state;
        int last = tokens.length - 1;
        Blocks.rmsnorm(s.xb[last], s.x[last], weights.outputNorm, config.rmsEps());
        float[][] lastRow = {s.xb[last]};
        Q8Activations[] lastQ = {s.xq[last]};
        if (quantizedActivations && weights.output.hasQ8Dot()) {
            kernels.quantize(lastQ[0], lastRow[0], config.dim());
        } else {
            lastQ = null;
        }
        Blocks.matmul(
                kernels,
                pool,
                new FloatTensor[] {weights.output},
                new float[][][] {{logits}},
                lastRow,
                lastQ,
                1,
                config.dim());
        return logits;
    }

    /** Like {@link #forward} without computing logits: for prompt blocks whose output is unused. */
    public synchronized void prefill(
            int[] tokens, int[] positions, KvCache cache, AttentionRecorder recorder) {
        run(tokens, positions, cache, recorder);
    }

    private void run(int[] tokens, int[] positions, KvCache cache, AttentionRecorder recorder) {
        try {
            layers(tokens, positions, cache, recorder);
        } finally {
            // the calling thread's score buffer is dropped after each pass: callers come and go
            // (one per HTTP request in serve-model), while the pool's own threads keep theirs
            attentionScratch.remove();
        }
    }

    private void layers(int[] tokens, int[] positions, KvCache cache, AttentionRecorder recorder) {
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
            Q8Activations[] xq = quantize(s.xb, s.xq, n, c.dim(), weights.qkv[l]);
            Blocks.matmul(kernels, pool, weights.qkv[l], s.qkv, s.xb, xq, n, c.dim());
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
            Attention.attend(
                    c,
                    kernels,
                    pool,
                    cache,
                    l,
                    s.q,
                    positions,
                    n,
                    s.xb,
                    recorder,
                    attentionScratch);
            xq = quantize(s.xb, s.xq, n, qDim, weights.wo[l]);
            Blocks.matmul(kernels, pool, weights.wo[l], s.xb, xq, s.xb2, n, qDim);
            Blocks.residual(s.x, s.xb2, n, c.dim());

            // feed-forward: rmsnorm -> gate, up -> SwiGLU -> down
            for (int t = 0; t < n; t++) {
                Blocks.rmsnorm(s.xb[t], s.x[t], weights.ffnNorm[l], c.rmsEps());
            }
            xq = quantize(s.xb, s.xq, n, c.dim(), weights.gateUp[l]);
            Blocks.matmul(kernels, pool, weights.gateUp[l], s.gateUp, s.xb, xq, n, c.dim());
            for (int t = 0; t < n; t++) {
                kernels.swiglu(s.hb[t], s.hb2[t], c.hiddenDim());
            }
            Q8Activations[] hq = quantize(s.hb, s.hq, n, c.hiddenDim(), weights.wDown[l]);
            Blocks.matmul(kernels, pool, weights.wDown[l], s.hb, hq, s.xb2, n, c.hiddenDim());
            Blocks.residual(s.x, s.xb2, n, c.dim());
        }
    }

    /**
     * Quantizes the first {@code cols} of each token's input into {@code q} when integer dots will
     * read it (some of {@code ws} have them and they are switched on); null otherwise. Once per
     * input, not per matrix: Q, K and V (and gate and up) share it.
     */
    private Q8Activations[] quantize(
            float[][] in, Q8Activations[] q, int tokens, int cols, FloatTensor... ws) {
        if (!quantizedActivations || !Blocks.anyQ8(ws)) {
            return null;
        }
        for (int t = 0; t < tokens; t++) {
            kernels.quantize(q[t], in[t], cols);
        }
        return q;
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
