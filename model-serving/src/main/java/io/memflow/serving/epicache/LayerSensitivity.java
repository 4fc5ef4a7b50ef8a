package io.memflow.serving.epicache;

import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import java.util.Arrays;

/**
 * Measures how much each layer suffers from seeing its context only block by block (EpiCache §2.5).
 * The calibration text runs twice: once with full causal attention, once block-masked (each block
 * sees only the sink tokens, the second half of the previous block and itself). For each layer, s_l
 * is the mean cosine between the two passes' keys, per kv head and per window of tokens. Low s_l:
 * the layer's representations depend on distant context, so it deserves more budget.
 *
 * <p>The block mask is built from the cache itself: before each block the masked pass's cache is
 * cut down to exactly what the mask lets the block see.
 */
public final class LayerSensitivity {
    /**
     * The reference's mask and window, scaled from a 16K-token calibration to small models: blocks
     * of a quarter of the text, sinks = 1/32 of a block, the previous block's second half, and
     * windows of a quarter block.
     */
    public record Mask(int block, int sinks, int carry, int window) {
        public static Mask forLength(int tokens) {
            int block = Math.max(4, tokens / 4);
            return new Mask(block, Math.max(1, block / 32), block / 2, Math.max(1, block / 4));
        }
    }

    private LayerSensitivity() {}

    /** s_l for every layer of {@code model}, from {@code tokens} (positions 0 ..). */
    public static float[] measure(LlamaModel model, int[] tokens, Mask mask) {
        int layers = model.config().layers();
        KvCache full = model.newCache();
        for (int start = 0; start < tokens.length; start += mask.block()) {
            int end = Math.min(tokens.length, start + mask.block());
            model.prefill(slice(tokens, start, end), range(start, end), full, null);
        }
        KvCache masked = model.newCache();
        float[][] maskedKeys = new float[layers][tokens.length * model.config().kvDim()];
        for (int start = 0; start < tokens.length; start += mask.block()) {
            int end = Math.min(tokens.length, start + mask.block());
            int[] visible = visibleBefore(start, mask);
            for (int l = 0; l < layers; l++) {
                masked.retain(l, visible);
            }
            model.prefill(slice(tokens, start, end), range(start, end), masked, null);
            int kvDim = model.config().kvDim();
            for (int l = 0; l < layers; l++) {
                int slot0 = masked.size(l) - (end - start); // the block's entries are the newest
                System.arraycopy(
                        masked.keys(l),
                        slot0 * kvDim,
                        maskedKeys[l],
                        start * kvDim,
                        (end - start) * kvDim);
            }
        }
        float[] s = new float[layers];
        for (int l = 0; l < layers; l++) {
            s[l] =
                    meanWindowCosine(
                            full.keys(l), maskedKeys[l], tokens.length, model, mask.window());
        }
        return s;
    }

    /** Sinks plus the second half of the previous block: what the mask shows block [start, ..). */
    private static int[] visibleBefore(int start, Mask mask) {
        int from = Math.max(0, start - mask.carry());
        int sinks = Math.min(mask.sinks(), from);
        int[] out = new int[sinks + (start - from)];
        for (int i = 0; i < sinks; i++) {
            out[i] = i;
        }
        for (int p = from; p < start; p++) {
            out[sinks + p - from] = p;
        }
        return out;
    }

    private static float meanWindowCosine(
            float[] full, float[] masked, int tokens, LlamaModel model, int window) {
        int kvDim = model.config().kvDim();
        int hs = model.config().headSize();
        double sum = 0;
        int count = 0;
        for (int h = 0; h < model.config().kvHeads(); h++) {
            for (int w = 0; w < tokens; w += window) {
                double dot = 0;
                double nf = 0;
                double nm = 0;
                for (int t = w; t < Math.min(tokens, w + window); t++) {
                    for (int d = 0; d < hs; d++) {
                        int i = t * kvDim + h * hs + d;
                        dot += (double) full[i] * masked[i];
                        nf += (double) full[i] * full[i];
                        nm += (double) masked[i] * masked[i];
                    }
                }
                sum += nf == 0 || nm == 0 ? 1 : dot / Math.sqrt(nf * nm);
                count++;
            }
        }
        return (float) (sum / count);
    }

    static int[] slice(int[] a, int from, int to) {
        return Arrays.copyOfRange(a, from, to);
    }

    static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }
}
