package io.memflow.serving.embedding;

import java.util.List;

/**
 * Turns texts into L2-normalised dense vectors: the one embedder interface of memflow, used by the
 * pipeline (topic segmentation, consolidation, the dense ranking of retrieval) and by the engine's
 * EpiCache (episode clustering and query routing). It lives here because model-serving depends on
 * no other memflow module; the ONNX sentence embedders of the pipeline implement it in {@code
 * operators}, {@link HashingEmbedder} is the deterministic model-free one for tests and benchmarks.
 *
 * <p>{@link #modelId()} travels with every stored vector: vectors of different models live in
 * different spaces, so they are never compared, and a vector whose model is not the configured one
 * is treated as missing (re-embedded) rather than scored.
 */
public interface TextEmbedder {

    /** One L2-normalised vector per text, in order, each {@link #dimension()} long. */
    float[][] embed(List<String> texts);

    /** Width of every vector. */
    int dimension();

    /**
     * Stable id of the model and its weights (e.g. {@code bge-small-en-v1.5-q}), stored beside each
     * vector; two embedders with one id must produce the same vectors.
     */
    String modelId();

    /** Short name reported by benchmarks; the model id unless an implementation says more. */
    default String name() {
        return modelId();
    }

    /**
     * Mean cosine between unrelated sentences under this model: near 0 for MiniLM, near 0.46 for
     * bge-small. A threshold on raw cosine means different things for different models, so
     * thresholds apply to {@link #calibrated} cosines instead. 0 unless the model measured it.
     */
    default double unrelatedCosine() {
        return 0.0;
    }

    /** {@code cos} rescaled so that unrelated sentences score about 0 and identical ones 1. */
    default double calibrated(double cos) {
        return calibrated(cos, unrelatedCosine());
    }

    /** {@code cos} rescaled for a model whose unrelated sentences score {@code unrelated}. */
    static double calibrated(double cos, double unrelated) {
        return (cos - unrelated) / (1 - unrelated);
    }

    default float[] embed(String text) {
        return embed(List.of(text))[0];
    }
}
