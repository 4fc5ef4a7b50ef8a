package io.memflow.serving.model;

import io.memflow.serving.gguf.GgufFormatException;
import io.memflow.serving.gguf.GgufMetadata;
import java.nio.file.Path;

/**
 * The hyperparameters of a model (the blueprint), read from GGUF metadata keys prefixed with the
 * architecture name ({@code llama.embedding_length}, ...).
 *
 * @param dim residual stream width
 * @param hiddenDim feed-forward inner width
 * @param headSize width of one attention head
 * @param ropeDim leading dimensions of each head that RoPE rotates (usually headSize)
 * @param ropeScaling Llama 3 frequency scaling, or null
 */
public record LlamaConfig(
        Architecture architecture,
        int dim,
        int hiddenDim,
        int layers,
        int heads,
        int kvHeads,
        int headSize,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        int ropeDim,
        RopeScaling ropeScaling) {

    /**
     * Llama 3 rope scaling: frequencies with wavelengths beyond the original context are divided by
     * {@code factor}, those below {@code originalContext / highFreqFactor} kept, and the band
     * between interpolated smoothly.
     */
    public record RopeScaling(
            float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {}

    public int kvDim() {
        return kvHeads * headSize;
    }

    /** Query heads sharing one kv head (grouped-query attention). */
    public int groupSize() {
        return heads / kvHeads;
    }

    public static LlamaConfig fromGguf(Path file, GgufMetadata md, int vocabSize)
            throws GgufFormatException {
        String archName = md.getString("general.architecture", "<missing>");
        Architecture arch = Architecture.fromGguf(archName);
        if (arch == null) {
            throw new GgufFormatException(
                    file, "unsupported architecture '" + archName + "' (supported: llama, qwen2)");
        }
        String p = archName + ".";
        try {
            int dim = md.getInt(p + "embedding_length");
            int heads = md.getInt(p + "attention.head_count");
            int kvHeads = md.getInt(p + "attention.head_count_kv", heads);
            int headSize = md.getInt(p + "attention.key_length", dim / heads);
            RopeScaling scaling = null;
            if ("llama3".equals(md.getString(p + "rope.scaling.type", ""))) {
                scaling =
                        new RopeScaling(
                                md.getFloat(p + "rope.scaling.factor", 8f),
                                md.getFloat(p + "rope.scaling.low_freq_factor", 1f),
                                md.getFloat(p + "rope.scaling.high_freq_factor", 4f),
                                md.getInt(p + "rope.scaling.original_context_length", 8192));
            }
            LlamaConfig c =
                    new LlamaConfig(
                            arch,
                            dim,
                            md.getInt(p + "feed_forward_length"),
                            md.getInt(p + "block_count"),
                            heads,
                            kvHeads,
                            headSize,
                            md.getInt(p + "vocab_size", vocabSize),
                            md.getInt(p + "context_length"),
                            md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f),
                            md.getFloat(p + "rope.freq_base", 10000f),
                            md.getInt(p + "rope.dimension_count", headSize),
                            scaling);
            c.validate(file);
            return c;
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(file, e.getMessage(), e);
        }
    }

    private void validate(Path file) throws GgufFormatException {
        if (dim <= 0 || hiddenDim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0) {
            throw new GgufFormatException(file, "non-positive model dimension in " + this);
        }
        if (heads % kvHeads != 0) {
            throw new GgufFormatException(
                    file, heads + " heads are not a multiple of " + kvHeads + " kv heads");
        }
        if (ropeDim > headSize || ropeDim % 2 != 0) {
            throw new GgufFormatException(
                    file, "rope dimension " + ropeDim + " does not fit head size " + headSize);
        }
        if (contextLength <= 0 || vocabSize <= 0) {
            throw new GgufFormatException(file, "bad context length or vocabulary size");
        }
    }
}
