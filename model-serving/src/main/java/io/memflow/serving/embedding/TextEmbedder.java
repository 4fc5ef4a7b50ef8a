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

    default float[] embed(String text) {
        return embed(List.of(text))[0];
    }
}
