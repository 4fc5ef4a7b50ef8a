package io.memflow.serving.embedding;

import java.util.List;
import java.util.Locale;

/**
 * A deterministic, model-free embedder: lower-cased word unigrams and character trigrams hashed
 * into a fixed number of buckets (signed, to cancel collisions on average), then L2-normalised. It
 * captures topical word overlap only, which is enough to cluster conversation windows for tests and
 * the default {@code kv-bench}; the pipeline passes a real sentence embedder instead.
 */
public final class HashingEmbedder implements TextEmbedder {
    private final int dim;

    public HashingEmbedder(int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("embedding width must be >= 1: " + dim);
        }
        this.dim = dim;
    }

    public HashingEmbedder() {
        this(256);
    }

    @Override
    public String modelId() {
        return "hashing-bow-trigram-" + dim;
    }

    @Override
    public int dimension() {
        return dim;
    }

    @Override
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            out[i] = embed(texts.get(i));
        }
        return out;
    }

    @Override
    public float[] embed(String text) {
        float[] v = new float[dim];
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (word.isEmpty()) {
                continue;
            }
            add(v, "w:" + word, 1f);
            String padded = " " + word + " ";
            for (int i = 0; i + 3 <= padded.length(); i++) {
                add(v, padded.substring(i, i + 3), 0.5f);
            }
        }
        Vectors.normalize(v);
        return v;
    }

    private void add(float[] v, String feature, float weight) {
        int h = mix(feature.hashCode());
        int bucket = Math.floorMod(h, dim);
        v[bucket] += ((h >>> 31) == 0 ? weight : -weight);
    }

    /** Murmur3 finalizer: String.hashCode alone clusters similar strings into nearby buckets. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
