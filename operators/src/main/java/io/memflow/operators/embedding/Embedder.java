package io.memflow.operators.embedding;

import java.util.List;

/** Turns texts into L2-normalised dense vectors of a fixed dimension. */
public interface Embedder {

    /** One vector per text, in order; each of length {@link #dimension()}. */
    float[][] embed(List<String> texts);

    int dimension();

    default float[] embed(String text) {
        return embed(List.of(text))[0];
    }
}
