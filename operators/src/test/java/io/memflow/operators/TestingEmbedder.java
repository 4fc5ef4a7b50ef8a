package io.memflow.operators;

import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.Text;
import io.memflow.serving.embedding.TextEmbedder;
import java.util.List;

/**
 * A deterministic stand-in for MiniLM: a hashed bag of the text's terms, L2-normalised. Texts that
 * share terms are similar, texts that share none are orthogonal, which makes topic shifts and
 * near-duplicates easy to construct in tests. Counts its calls, to check batching.
 */
public final class TestingEmbedder implements TextEmbedder {
    public static final int DIMENSION = 512;

    public int calls;
    public int texts;

    @Override
    public float[][] embed(List<String> in) {
        calls++;
        texts += in.size();
        float[][] out = new float[in.size()][];
        for (int i = 0; i < in.size(); i++) {
            float[] v = new float[DIMENSION];
            for (String t : Text.terms(in.get(i))) {
                v[Math.floorMod(t.hashCode(), DIMENSION)] += 1f;
            }
            out[i] = Vectors.normalize(v);
        }
        return out;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public String modelId() {
        return "testing-hashed-terms";
    }
}
