package io.memflow.serving.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Q4_K writer (for synthetic benchmark models) read back through {@link Q4_KTensor}. */
class Q4KQuantizerTest {

    @Test
    void roundTripsWithinAQuantizationStep() {
        SplittableRandom r = new SplittableRandom(12);
        float[] v = new float[3 * 256];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 0.02);
        }
        for (int i = 256; i < 288; i++) {
            v[i] = 0.5f + i * 1e-3f; // an all-positive sub-block: its offset must stay 0
        }
        byte[] bytes = Quantizer.quantize(GgmlType.Q4_K, v);
        assertThat(bytes).hasSize(3 * 144);
        FloatTensor t = FloatTensor.wrap(GgmlType.Q4_K, ByteBuffer.wrap(bytes), v.length);
        for (int sub = 0; sub < v.length / 32; sub++) {
            float lo = 0f;
            float hi = 0f;
            for (int j = 0; j < 32; j++) {
                lo = Math.min(lo, v[32 * sub + j]);
                hi = Math.max(hi, v[32 * sub + j]);
            }
            // half a 4-bit step, plus the 6-bit rounding of scale and offset
            float bound = (hi - lo) / 15f * 0.5f + (hi - lo) / 63f * 16f;
            for (int j = 0; j < 32; j++) {
                int i = 32 * sub + j;
                assertThat(Math.abs(t.getFloat(i) - v[i])).as("element %d", i).isLessThan(bound);
            }
        }
    }
}
