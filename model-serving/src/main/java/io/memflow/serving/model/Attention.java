package io.memflow.serving.model;

import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kernels.WorkerPool;
import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;

/**
 * Causal grouped-query attention over a {@link KvCache}. A query at position p attends to every
 * cached entry with position &lt;= p; the cache may hold any subset of earlier positions (after
 * eviction), so causality is decided by stored positions, not by slot numbers. Query head h reads
 * kv head {@code h / groupSize}.
 */
public final class Attention {
    private Attention() {}

    /**
     * For each token t of the block and each head, writes the attention output into out[t][h *
     * headSize ...]. The block's own keys and values must already be in the cache.
     *
     * @param scratch each pool thread's score buffer, kept between calls so that the token loop
     *     allocates nothing (grown when the cache outgrows it)
     */
    static void attend(
            LlamaConfig c,
            Kernels kernels,
            WorkerPool pool,
            KvCache cache,
            int layer,
            float[][] q, // (token, heads * headSize), rotated
            int[] positions, // (token)
            int tokens,
            float[][] out, // (token, heads * headSize)
            AttentionRecorder recorder,
            ThreadLocal<float[]> scratch) {
        int slots = cache.size(layer);
        pool.parallelFor(
                tokens * c.heads(),
                (start, end) -> {
                    float[] att = scratch.get(); // (slot) this thread's scores, reused
                    if (att.length < slots) {
                        att = new float[Math.max(slots, 2 * att.length)];
                        scratch.set(att);
                    }
                    for (int item = start; item < end; item++) {
                        int t = item / c.heads();
                        int h = item % c.heads();
                        int visible = visibleSlots(cache, layer, positions[t]);
                        scores(c, kernels, cache, layer, q[t], h, visible, att);
                        if (recorder != null && recorder.isWatched(positions[t])) {
                            recorder.record(layer, h / c.groupSize(), att, 0, visible);
                        }
                        mix(c, kernels, cache, layer, att, h, visible, out[t]);
                    }
                });
    }

    /**
     * Softmaxed attention of one query over the cache, per head: {@code [head][slot]}, for slots
     * visible from {@code queryPosition}. {@code query} is (heads * headSize), already rotated for
     * its position. Handy for scoring cache entries without a recorder.
     */
    public static float[][] weights(
            LlamaConfig c,
            Kernels kernels,
            KvCache cache,
            int layer,
            float[] query,
            int queryPosition) {
        int visible = visibleSlots(cache, layer, queryPosition);
        float[][] w = new float[c.heads()][visible];
        for (int h = 0; h < c.heads(); h++) {
            scores(c, kernels, cache, layer, query, h, visible, w[h]);
        }
        return w;
    }

    /** Slots [0, n) hold positions &lt;= position (positions ascend by slot). */
    private static int visibleSlots(KvCache cache, int layer, int position) {
        int n = cache.size(layer);
        while (n > 0 && cache.position(layer, n - 1) > position) {
            n--;
        }
        return n;
    }

    /** att[s] = softmax over s of q_h · k_s / sqrt(headSize). */
    private static void scores(
            LlamaConfig c,
            Kernels kernels,
            KvCache cache,
            int layer,
            float[] q,
            int h,
            int visible,
            float[] att) {
        int hs = c.headSize();
        int kvOffset = (h / c.groupSize()) * hs;
        float[] keys = cache.keys(layer);
        float scale = (float) (1.0 / Math.sqrt(hs));
        kernels.dots(q, h * hs, keys, kvOffset, c.kvDim(), visible, hs, scale, att, 0);
        kernels.softmax(att, 0, visible);
    }

    /** out_h = sum over s of att[s] * v_s. */
    private static void mix(
            LlamaConfig c,
            Kernels kernels,
            KvCache cache,
            int layer,
            float[] att,
            int h,
            int visible,
            float[] out) {
        int hs = c.headSize();
        int kvOffset = (h / c.groupSize()) * hs;
        kernels.weightedSum(
                att, visible, cache.values(layer), kvOffset, c.kvDim(), out, h * hs, hs);
    }
}
