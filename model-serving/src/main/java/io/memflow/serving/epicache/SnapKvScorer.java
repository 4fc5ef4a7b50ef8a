package io.memflow.serving.epicache;

import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;

/**
 * SnapKV baseline under block prefill: the last {@code window} tokens of each block are the
 * observation window, and entries score the max attention those tokens pay them. Query-agnostic and
 * local: it only sees what the current block looks at.
 */
public final class SnapKvScorer implements BlockScorer {
    private final int window;

    public SnapKvScorer(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("SnapKV window must be >= 1: " + window);
        }
        this.window = window;
    }

    @Override
    public String name() {
        return "snapkv";
    }

    @Override
    public AttentionRecorder recorderFor(LlamaModel model, int first, int end) {
        AttentionRecorder rec =
                new AttentionRecorder(model.config().layers(), model.config().kvHeads());
        return rec.watchRange(Math.max(first, end - window), end);
    }

    @Override
    public float[][] score(LlamaModel model, KvCache cache, AttentionRecorder recorder, int end) {
        float[][] scores = new float[cache.layers()][];
        for (int l = 0; l < cache.layers(); l++) {
            scores[l] = recorder.maxScores(l, cache.size(l));
        }
        return scores;
    }
}
