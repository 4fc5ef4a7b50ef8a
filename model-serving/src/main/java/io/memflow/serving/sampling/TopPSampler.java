package io.memflow.serving.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Nucleus sampling: keeps the most likely tokens whose probabilities sum to at least {@code topP}
 * and samples among them.
 */
public final class TopPSampler implements Sampler {
    private final float temperature;
    private final float topP;
    private final SplittableRandom random;

    public TopPSampler(float temperature, float topP, long seed) {
        if (temperature <= 0f || topP <= 0f || topP > 1f) {
            throw new IllegalArgumentException(
                    "need temperature > 0 and 0 < topP <= 1, got " + temperature + ", " + topP);
        }
        this.temperature = temperature;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public int sample(float[] logits) {
        TemperatureSampler.softmax(logits, temperature);
        int n = logits.length;
        // Tokens below (1 - topP) / (n - 1) can never be in the nucleus: skip sorting them.
        float cutoff = (1f - topP) / Math.max(1, n - 1);
        long[] packed = new long[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (logits[i] >= cutoff) {
                // probability bits in the high word sort like the floats (all >= 0)
                packed[m++] = ((long) Float.floatToIntBits(logits[i]) << 32) | i;
            }
        }
        long[] candidates = Arrays.copyOf(packed, m);
        Arrays.sort(candidates); // ascending: walk from the end
        float cumulative = 0f;
        int last = m - 1;
        for (int j = m - 1; j >= 0; j--) {
            cumulative += Float.intBitsToFloat((int) (candidates[j] >>> 32));
            last = j;
            if (cumulative > topP) {
                break;
            }
        }
        float r = (float) random.nextDouble() * cumulative;
        float cdf = 0f;
        for (int j = m - 1; j >= last; j--) {
            cdf += Float.intBitsToFloat((int) (candidates[j] >>> 32));
            if (r < cdf) {
                return (int) candidates[j];
            }
        }
        return (int) candidates[last];
    }
}
