package io.memflow.serving.kvcache;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Records how much attention chosen query positions pay to each cached entry, for cache eviction
 * (EpiCache-style scoring). Pass it to the forward pass: for every layer, every query token whose
 * position was {@link #watch watched}, and every head, the softmaxed attention over the cache
 * entries is folded into a running maximum per (layer, kv head, cache slot). The heads of a GQA
 * group share their kv head, so the max also runs over the group.
 *
 * <p>Scores are indexed by cache slot as the cache stood when the layer ran: read {@link #scores}
 * after the forward call and before any {@link KvCache#retain}/{@link KvCache#drop}; slot i is
 * {@code cache.positions(layer)[i]}. Call {@link #reset} before the next block.
 */
public final class AttentionRecorder {
    private final int layers;
    private final int kvHeads;
    private final BitSet watched = new BitSet();
    private final float[][][] scores; // (layer, kvHead, slots)

    public AttentionRecorder(int layers, int kvHeads) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.scores = new float[layers][kvHeads][0];
    }

    /** Records the attention of query tokens at these positions from now on. */
    public AttentionRecorder watch(int... positions) {
        for (int p : positions) {
            watched.set(p);
        }
        return this;
    }

    /** Records the attention of every query position in [from, to). */
    public AttentionRecorder watchRange(int from, int to) {
        watched.set(from, to);
        return this;
    }

    public void unwatchAll() {
        watched.clear();
    }

    /** Whether the forward pass should report the query at {@code position}. */
    public boolean isWatched(int position) {
        return watched.get(position);
    }

    /**
     * Folds one head's attention weights over slots [0, n) into the maximum. Called by the forward
     * pass, possibly from several worker threads.
     */
    public synchronized void record(int layer, int kvHead, float[] weights, int offset, int n) {
        float[] s = scores[layer][kvHead];
        if (s.length < n) {
            s = Arrays.copyOf(s, n);
            scores[layer][kvHead] = s;
        }
        for (int i = 0; i < n; i++) {
            s[i] = Math.max(s[i], weights[offset + i]);
        }
    }

    /**
     * Max attention per (kv head, slot) in {@code layer}. Slots never attended to score 0. The
     * arrays are as long as the largest slot count seen, which is the cache size after the forward
     * call.
     */
    public synchronized float[][] scores(int layer) {
        float[][] copy = new float[kvHeads][];
        for (int h = 0; h < kvHeads; h++) {
            copy[h] = scores[layer][h].clone();
        }
        return copy;
    }

    /** Max over kv heads too: one score per slot of {@code layer}. */
    public synchronized float[] maxScores(int layer, int slots) {
        float[] out = new float[slots];
        for (int h = 0; h < kvHeads; h++) {
            float[] s = scores[layer][h];
            for (int i = 0; i < Math.min(slots, s.length); i++) {
                out[i] = Math.max(out[i], s[i]);
            }
        }
        return out;
    }

    /** Forgets recorded scores (watched positions stay). */
    public synchronized void reset() {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                scores[l][h] = new float[0];
            }
        }
    }
}
