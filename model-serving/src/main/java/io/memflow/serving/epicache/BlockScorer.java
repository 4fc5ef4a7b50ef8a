package io.memflow.serving.epicache;

import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;

/**
 * How block-wise prefill ranks cached entries after each block; the one thing that differs between
 * EpiCache (patched-prompt attention), SnapKV (the block's own last tokens) and a sliding window
 * (recency). Higher scores are kept.
 */
public interface BlockScorer {

    /** Short name reported by benchmarks. */
    String name();

    /**
     * A recorder to pass to the prefill of the block [first, end) of positions, or null when the
     * scorer does not read the block's own attention.
     */
    default AttentionRecorder recorderFor(LlamaModel model, int first, int end) {
        return null;
    }

    /**
     * Scores, per layer and slot, the cache as it stands right after the block ending before
     * position {@code end}. May run the model, but must leave the cache's entries as it found them.
     *
     * @param recorder what {@link #recorderFor} returned, after the block's prefill
     */
    float[][] score(LlamaModel model, KvCache cache, AttentionRecorder recorder, int end);
}
