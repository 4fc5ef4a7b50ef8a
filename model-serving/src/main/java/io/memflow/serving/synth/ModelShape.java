package io.memflow.serving.synth;

/**
 * Named model shapes for random-weight benchmark models, matching real checkpoints' dimensions (so
 * the bytes moved per token are the real ones) without downloading them.
 */
public enum ModelShape {
    STORIES260K("stories260K", "llama", 64, 172, 5, 8, 4, 512, 512, 10000f, "llama"),
    STORIES15M("stories15M", "llama", 288, 768, 6, 6, 6, 32000, 256, 10000f, "llama"),
    STORIES110M("stories110M", "llama", 768, 2048, 12, 12, 12, 32000, 1024, 10000f, "llama"),
    SMOLLM_135M("smollm-135m", "llama", 576, 1536, 30, 9, 3, 49152, 2048, 10000f, "gpt2");

    public final String shapeName;
    public final String architecture;
    public final int dim;
    public final int hiddenDim;
    public final int layers;
    public final int heads;
    public final int kvHeads;
    public final int vocabSize;
    public final int contextLength;
    public final float ropeTheta;

    /** {@code tokenizer.ggml.model}: "llama" (SentencePiece) or "gpt2" (byte-level BPE). */
    public final String tokenizer;

    ModelShape(
            String shapeName,
            String architecture,
            int dim,
            int hiddenDim,
            int layers,
            int heads,
            int kvHeads,
            int vocabSize,
            int contextLength,
            float ropeTheta,
            String tokenizer) {
        this.shapeName = shapeName;
        this.architecture = architecture;
        this.dim = dim;
        this.hiddenDim = hiddenDim;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.vocabSize = vocabSize;
        this.contextLength = contextLength;
        this.ropeTheta = ropeTheta;
        this.tokenizer = tokenizer;
    }

    public SyntheticModel.Spec spec() {
        return new SyntheticModel.Spec(
                architecture,
                dim,
                hiddenDim,
                layers,
                heads,
                kvHeads,
                vocabSize,
                contextLength,
                ropeTheta,
                tokenizer);
    }

    /** The shape called {@code name} (case-insensitive), or null. */
    public static ModelShape byName(String name) {
        for (ModelShape s : values()) {
            if (s.shapeName.equalsIgnoreCase(name)) {
                return s;
            }
        }
        return null;
    }
}
