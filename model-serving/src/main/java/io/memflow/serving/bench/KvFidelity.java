package io.memflow.serving.bench;

import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;

/**
 * Fidelity of a compressed cache against the full one at the answer positions: the question and
 * gold answer are teacher-forced after the context, and the next-token distributions that predict
 * each answer token are compared. The question's and answer's entries are dropped afterwards, so a
 * cache can be reused for the next question.
 */
public final class KvFidelity {
    /** Running sums over compared positions. */
    public static final class Tally {
        private long positions;
        private long agreements;
        private double klSum;

        public void add(float[] full, float[] compressed) {
            double[] p = logSoftmax(full);
            double[] q = logSoftmax(compressed);
            double kl = 0;
            for (int i = 0; i < p.length; i++) {
                kl += Math.exp(p[i]) * (p[i] - q[i]);
            }
            klSum += Math.max(0, kl);
            agreements += argmax(full) == argmax(compressed) ? 1 : 0;
            positions++;
        }

        public long positions() {
            return positions;
        }

        public double top1Agreement() {
            return positions == 0 ? Double.NaN : (double) agreements / positions;
        }

        public double meanKl() {
            return positions == 0 ? Double.NaN : klSum / positions;
        }
    }

    private KvFidelity() {}

    /**
     * Runs {@code prefix} then {@code answer} (but its last token) at positions from {@code first}
     * on, and returns the logits predicting each answer token: [answer.length][vocab].
     */
    public static float[][] answerLogits(
            LlamaModel model, KvCache cache, int[] prefix, int[] answer, int first) {
        int n = prefix.length + answer.length - 1;
        int[] all = new int[n];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(answer, 0, all, prefix.length, answer.length - 1);
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = first + i;
        }
        int head = prefix.length - 1; // tokens whose logits nobody needs
        if (head > 0) {
            model.prefill(
                    java.util.Arrays.copyOf(all, head),
                    java.util.Arrays.copyOf(positions, head),
                    cache,
                    null);
        }
        float[][] out = new float[answer.length][];
        for (int i = head; i < n; i++) {
            out[i - head] =
                    model.forward(new int[] {all[i]}, new int[] {positions[i]}, cache, null);
        }
        cache.drop(positions);
        return out;
    }

    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - log;
        }
        return out;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
