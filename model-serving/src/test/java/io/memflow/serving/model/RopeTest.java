package io.memflow.serving.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RopeTest {
    private static final LlamaConfig.RopeScaling LLAMA3 =
            new LlamaConfig.RopeScaling(8f, 1f, 4f, 8192);

    @Test
    void llama3ScalingKeepsHighAndDividesLowFrequencies() {
        double high = 2 * Math.PI / 100; // wavelength 100 < 8192 / 4: kept
        assertThat(Rope.llama3Scale(high, LLAMA3)).isEqualTo(high);
        double low = 2 * Math.PI / 20000; // wavelength 20000 > 8192: divided by the factor
        assertThat(Rope.llama3Scale(low, LLAMA3)).isCloseTo(low / 8, within(1e-15));
        // in between: wavelength 4096 gives smooth = (8192/4096 - 1) / (4 - 1) = 1/3
        double mid = 2 * Math.PI / 4096;
        assertThat(Rope.llama3Scale(mid, LLAMA3))
                .isCloseTo((2.0 / 3) * mid / 8 + (1.0 / 3) * mid, within(1e-15));
    }

    @Test
    void interleavedAndNeoxPairDifferentDimensions() {
        float[] freqs = {1f, 0.5f};
        float[] a = {1, 0, 0, 0};
        new Rope(Rope.Style.INTERLEAVED, 4, 4, 10000f, freqs).rotate(a, 0, 1, 1);
        // pair (0, 1) rotated by 1 radian
        assertThat(a[0]).isCloseTo((float) Math.cos(1), within(1e-6f));
        assertThat(a[1]).isCloseTo((float) Math.sin(1), within(1e-6f));
        float[] b = {1, 0, 0, 0};
        new Rope(Rope.Style.NEOX, 4, 4, 10000f, freqs).rotate(b, 0, 1, 1);
        // pair (0, 2) rotated by 1 radian
        assertThat(b[0]).isCloseTo((float) Math.cos(1), within(1e-6f));
        assertThat(b[2]).isCloseTo((float) Math.sin(1), within(1e-6f));
        assertThat(b[1]).isZero();
    }
}
