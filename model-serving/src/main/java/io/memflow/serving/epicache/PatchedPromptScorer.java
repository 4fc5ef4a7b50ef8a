package io.memflow.serving.epicache;

import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;

/**
 * EpiCache's scorer: after each block, the episode's patched prompt is run right after the block,
 * and each cached entry scores the most attention any prompt token, in any head, pays it. The
 * prompt stands in for every future question about the episode, so entries it reaches for are the
 * ones those questions will need. Its own keys and values are dropped again straight away, so they
 * are transient scratch (P tokens) on top of the M + B context entries.
 *
 * <p>The cache is per layer, not per head, so the max also runs over kv heads: an entry survives in
 * a layer if any head of that layer needs it.
 */
public final class PatchedPromptScorer implements BlockScorer {
    private final int[] prompt;

    /**
     * @param prompt the patched prompt's token ids (no BOS)
     */
    public PatchedPromptScorer(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty patched prompt");
        }
        this.prompt = prompt.clone();
    }

    @Override
    public String name() {
        return "patched-prompt";
    }

    public int length() {
        return prompt.length;
    }

    @Override
    public float[][] score(LlamaModel model, KvCache cache, AttentionRecorder ignored, int end) {
        int layers = model.config().layers();
        // the prompt's positions must exist in the model; near the end of the context it is cut
        int n = Math.min(prompt.length, model.config().contextLength() - end);
        if (n <= 0) {
            throw new IllegalStateException(
                    "no positions left after " + end + " for the patched prompt");
        }
        int[] tokens = new int[n];
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = prompt[i];
            positions[i] = end + i;
        }
        int[] sizes = new int[layers];
        for (int l = 0; l < layers; l++) {
            sizes[l] = cache.size(l);
        }
        AttentionRecorder rec = new AttentionRecorder(layers, model.config().kvHeads());
        rec.watchRange(end, end + n);
        model.prefill(tokens, positions, cache, rec);
        float[][] scores = new float[layers][];
        for (int l = 0; l < layers; l++) {
            scores[l] = rec.maxScores(l, sizes[l]); // context slots only, not the prompt's own
        }
        cache.drop(positions);
        return scores;
    }
}
