package io.memflow.serving.epicache;

import java.util.List;

/**
 * Turns texts into vectors for episode clustering and query routing. model-serving depends on no
 * other memflow module, so the pipeline adapts its own sentence embedder (MiniLM) to this interface
 * (a lambda or method reference will do); {@link HashingEmbedder} is the deterministic stand-in for
 * tests and benchmarks.
 */
@FunctionalInterface
public interface TextEmbedder {

    /** One vector per text, all of the same width; callers L2-normalise before comparing. */
    float[][] embed(List<String> texts);

    /** Short name reported by benchmarks, so numbers say which embedder produced them. */
    default String name() {
        return getClass().getSimpleName();
    }
}
