package io.memflow.serving.epicache;

import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;

/**
 * StreamingLLM baseline: keep the first {@code sinks} entries (attention sinks, which soak up
 * attention mass the softmax must put somewhere) and otherwise the most recent ones. Scores are the
 * positions themselves, so top-k keeps the newest.
 */
public final class SlidingWindowScorer implements BlockScorer {
    private final int sinks;

    public SlidingWindowScorer(int sinks) {
        if (sinks < 0) {
            throw new IllegalArgumentException("sinks must be >= 0: " + sinks);
        }
        this.sinks = sinks;
    }

    @Override
    public String name() {
        return "sliding-window";
    }

    @Override
    public float[][] score(LlamaModel model, KvCache cache, AttentionRecorder ignored, int end) {
        float[][] scores = new float[cache.layers()][];
        for (int l = 0; l < cache.layers(); l++) {
            int n = cache.size(l);
            scores[l] = new float[n];
            for (int slot = 0; slot < n; slot++) {
                // sinks are never evicted, so they stay the first slots of every layer
                scores[l][slot] = slot < sinks ? Float.POSITIVE_INFINITY : cache.position(l, slot);
            }
        }
        return scores;
    }
}
