package io.memflow.serving.model;

import io.memflow.serving.tensor.FloatTensor;

/**
 * Rotary position embedding. Each pair of dimensions (a, b) of a head is rotated by the angle
 * {@code position * freq[i]}, where {@code freq[i] = theta^(-2i / ropeDim)} (optionally scaled for
 * Llama 3).
 *
 * <p>Which dimensions pair up depends on how the checkpoint was converted: llama.cpp permutes the
 * Q/K weights of {@code llama} models so that consecutive pairs (2i, 2i+1) rotate together ({@link
 * Style#INTERLEAVED}), while {@code qwen2} keeps the Hugging Face layout where dimension i pairs
 * with i + ropeDim/2 ({@link Style#NEOX}).
 */
public final class Rope {
    public enum Style {
        INTERLEAVED,
        NEOX
    }

    private final Style style;
    private final int headSize;
    private final float[] freqs; // (ropeDim / 2)

    public Rope(Style style, int headSize, int ropeDim, float theta, float[] freqs) {
        this.style = style;
        this.headSize = headSize;
        this.freqs = freqs;
        if (freqs.length != ropeDim / 2) {
            throw new IllegalArgumentException("need " + ropeDim / 2 + " frequencies");
        }
    }

    /**
     * Frequencies for {@code config}. If the file carries {@code rope_freqs.weight} (Llama 3.1
     * converters precompute the scaling there) each frequency is divided by its factor; else the
     * Llama 3 formula is applied when the metadata asks for it.
     */
    public static Rope forConfig(LlamaConfig c, FloatTensor freqFactors) {
        int half = c.ropeDim() / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            double freq = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.ropeDim());
            if (freqFactors != null) {
                freq /= freqFactors.getFloat(i);
            } else if (c.ropeScaling() != null) {
                freq = llama3Scale(freq, c.ropeScaling());
            }
            freqs[i] = (float) freq;
        }
        return new Rope(
                c.architecture().ropeStyle(), c.headSize(), c.ropeDim(), c.ropeTheta(), freqs);
    }

    static double llama3Scale(double freq, LlamaConfig.RopeScaling s) {
        double wavelength = 2 * Math.PI / freq;
        double lowFreqWavelength = s.originalContext() / s.lowFreqFactor();
        double highFreqWavelength = s.originalContext() / s.highFreqFactor();
        if (wavelength < highFreqWavelength) {
            return freq; // high frequencies: local order, kept as trained
        }
        if (wavelength > lowFreqWavelength) {
            return freq / s.factor(); // low frequencies: stretched to the longer context
        }
        double smooth =
                (s.originalContext() / wavelength - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * freq / s.factor() + smooth * freq;
    }

    /**
     * Rotates {@code heads} consecutive heads of {@code vec}, starting at {@code offset}, for a
     * token at {@code position}.
     */
    public void rotate(float[] vec, int offset, int heads, int position) {
        int half = freqs.length;
        for (int i = 0; i < half; i++) {
            double angle = (double) position * freqs[i];
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int base = offset + h * headSize;
                int a = style == Style.INTERLEAVED ? base + 2 * i : base + i;
                int b = style == Style.INTERLEAVED ? a + 1 : a + half;
                float x0 = vec[a];
                float x1 = vec[b];
                vec[a] = x0 * cos - x1 * sin;
                vec[b] = x0 * sin + x1 * cos;
            }
        }
    }
}
