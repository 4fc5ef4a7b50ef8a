package io.memflow.serving.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Activation quantization: scales, rounding, and the reconstruction error bound d / 2. */
class Q8ActivationsTest {

    @Test
    void reconstructsWithinHalfAStepPerBlock() {
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[7 + 5 * 32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (1 + i / 32));
        }
        for (int i = 7 + 64; i < 7 + 96; i++) {
            x[i] = 0f; // an all-zero block: scale 0, values 0
        }
        Q8Activations q = new Q8Activations(5 * 32);
        q.quantize(x, 7, 5 * 32); // an odd offset into the float array

        for (int b = 0; b < 5; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[7 + b * 32 + j]));
            }
            float d = q.scales()[b];
            assertThat(d).isEqualTo(amax / 127f);
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                assertThat((int) q.values()[i]).isBetween(-127, 127);
                assertThat(q.wide()[i]).as("widened copy").isEqualTo((short) q.values()[i]);
                assertThat((double) d * q.values()[i])
                        .isCloseTo(x[7 + i], within(d / 2.0 * 1.0001 + 1e-12));
            }
        }
        assertThat(q.scales()[2]).isZero();
    }

    @Test
    void roundsHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f; // scale 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.49f;
        x[4] = -126.5f;
        Q8Activations q = new Q8Activations(32);
        q.quantize(x, 0, 32);
        assertThat(q.values()[0]).isEqualTo((byte) 127);
        assertThat(q.values()[1]).isEqualTo((byte) 3);
        assertThat(q.values()[2]).isEqualTo((byte) -3);
        assertThat(q.values()[3]).isEqualTo((byte) 0);
        assertThat(q.values()[4]).isEqualTo((byte) -127);
    }
}
