package io.memflow.serving.epicache;

import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import java.util.Arrays;

/**
 * Block-wise prefill with eviction (EpiCache §2.3): the context goes in blocks of B tokens; after
 * each block every layer holding more than its budget is scored and cut back to it. A layer never
 * holds more than budget + B context entries, however long the context: memory is constant in the
 * conversation's length, not linear.
 *
 * <p>Scores are recomputed from scratch after every block, as in the reference: nothing
 * accumulates, so an entry that mattered early can still be dropped when later blocks crowd it out.
 */
public final class BlockPrefill {
    /** Observes the cache after each block, before and after eviction (tests check the bound). */
    public interface Listener {
        void afterBlock(int block, KvCache cache, boolean evicted);
    }

    private BlockPrefill() {}

    /**
     * Prefills {@code tokens} at positions {@code first, first + 1, ...} into {@code cache}.
     *
     * @param budgets entries each layer may keep between blocks
     * @param listener called twice per block (after the prefill, after the eviction), or null
     */
    public static PrefillStats run(
            LlamaModel model,
            KvCache cache,
            int[] tokens,
            int first,
            int block,
            int[] budgets,
            BlockScorer scorer,
            Listener listener) {
        int layers = cache.layers();
        if (block < 1 || budgets.length != layers) {
            throw new IllegalArgumentException(
                    "need block >= 1 and one budget per layer: block "
                            + block
                            + ", "
                            + budgets.length
                            + " budgets for "
                            + layers
                            + " layers");
        }
        int[] peak = new int[layers];
        long peakContextBytes = cache.bytesInUse();
        int b = 0;
        for (int start = 0; start < tokens.length; start += block, b++) {
            int end = Math.min(tokens.length, start + block);
            int[] ids = Arrays.copyOfRange(tokens, start, end);
            int[] positions = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                positions[i] = first + start + i;
            }
            AttentionRecorder rec = scorer.recorderFor(model, first + start, first + end);
            model.prefill(ids, positions, cache, rec);
            peakContextBytes = Math.max(peakContextBytes, cache.bytesInUse());
            for (int l = 0; l < layers; l++) {
                peak[l] = Math.max(peak[l], cache.size(l));
            }
            if (listener != null) {
                listener.afterBlock(b, cache, false);
            }
            evict(model, cache, budgets, scorer, rec, first + end);
            if (listener != null) {
                listener.afterBlock(b, cache, true);
            }
        }
        return new PrefillStats(
                peak,
                peakContextBytes,
                cache.peakBytesInUse(),
                cache.bytesInUse(),
                first + tokens.length);
    }

    private static void evict(
            LlamaModel model,
            KvCache cache,
            int[] budgets,
            BlockScorer scorer,
            AttentionRecorder rec,
            int end) {
        boolean over = false;
        for (int l = 0; l < cache.layers(); l++) {
            over |= cache.size(l) > budgets[l];
        }
        if (!over) {
            return; // scoring may run the model: skip it while everything fits
        }
        float[][] scores = scorer.score(model, cache, rec, end);
        for (int l = 0; l < cache.layers(); l++) {
            if (cache.size(l) > budgets[l]) {
                cache.retain(l, TopKEviction.keep(cache.positions(l), scores[l], budgets[l]));
            }
        }
    }
}
