package io.memflow.serving.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Q8Activations;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The integer dot kernels (weights × {@link Q8Activations}): the Vector API twin against the scalar
 * reference, and the scalar reference against the exact value computed from the dequantized weights
 * and activations. Offsets and lengths are whole 32-blocks (the integer path serves whole rows),
 * with odd block counts, odd first blocks and odd activation block offsets.
 *
 * <p>Tolerances: vector vs scalar differ only in float summation order (the per-block integer sums
 * are exact in both): |diff| &lt;= 1e-5 * sum |w_i x_i| + 1e-6. Scalar vs the dequantized
 * reference: the same rounding bound.
 */
class IntegerDotTest {
    static final double RELATIVE_TOLERANCE = 1e-5;

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q8_0", "Q4_0", "Q4_K"})
    void vectorMatchesScalarAndTheDequantizedReference(GgmlType type) {
        int blocks = 11 * 8; // Q4_K: 11 super-blocks; all three: whole 32-blocks
        int size = blocks * 32;
        FloatTensor t =
                FloatTensor.wrap(
                        type,
                        VectorKernelsTest.randomBlocks(type, size / type.blockSize(), 21),
                        size);
        assertThat(t.hasQ8Dot()).isTrue();
        SplittableRandom r = new SplittableRandom(9);
        float[] x = new float[size + 3 * 32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 4 - 2);
        }
        x[40] = 0f; // a block with exact zeros and a lone large value
        x[70] = 37f;
        Q8Activations q = new Q8Activations(x.length);
        q.quantize(x, 0, x.length);
        int[][] cases = { // {first block, block count, activation block offset}
            {0, blocks, 0},
            {0, 1, 0},
            {1, 1, 3},
            {3, 5, 1},
            {1, 9, 2},
            {10, 1, 13},
            {0, 0, 0},
            {2, 7, 5}
        };
        for (int[] c : cases) {
            int offset = c[0] * 32;
            int n = c[1] * 32;
            int xOffset = c[2] * 32;
            float scalar = t.dotQ8Scalar(offset, q, xOffset, n);
            float vector = t.dotQ8Vector(offset, q, xOffset, n);
            double exact = 0;
            double scale = 0;
            for (int i = 0; i < n; i++) {
                double xi = q.scales()[(xOffset + i) / 32] * (double) q.values()[xOffset + i];
                exact += t.getFloat(offset + i) * xi;
                scale += Math.abs(t.getFloat(offset + i) * xi);
            }
            String what = type + " first " + c[0] + " blocks " + c[1] + " xBlock " + c[2];
            assertThat((double) Math.abs(vector - scalar))
                    .as(what)
                    .isLessThanOrEqualTo(RELATIVE_TOLERANCE * scale + 1e-6);
            assertThat(Math.abs(scalar - exact))
                    .as(what + " vs dequantized")
                    .isLessThanOrEqualTo(RELATIVE_TOLERANCE * scale + 1e-6);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q8_0", "Q4_0"})
    void extremeValuesDoNotOverflowTheSixteenBitLanes(GgmlType type) {
        // every weight byte at -128 (Q8_0) or nibble 0 (-8 for Q4_0), activations at +/-127:
        // the largest products the 16-bit lanes must hold
        int blocks = 3;
        java.nio.ByteBuffer buf = Blocks.le(blocks * type.blockBytes());
        for (int b = 0; b < blocks; b++) {
            int at = b * type.blockBytes();
            buf.putShort(at, Float16.fromFloat(1f));
            for (int j = 2; j < type.blockBytes(); j++) {
                buf.put(at + j, type == GgmlType.Q8_0 ? (byte) -128 : (byte) 0);
            }
        }
        FloatTensor t = FloatTensor.wrap(type, buf, blocks * 32);
        float[] x = new float[blocks * 32];
        java.util.Arrays.fill(x, -1f);
        Q8Activations q = new Q8Activations(x.length);
        q.quantize(x, 0, x.length);
        assertThat(q.values()).containsOnly((byte) -127);
        float w = type == GgmlType.Q8_0 ? -128f : -8f;
        float expected = blocks * 32 * w * -127f * q.scales()[0];
        assertThat(t.dotQ8Scalar(0, q, 0, x.length)).isEqualTo(expected);
        assertThat(t.dotQ8Vector(0, q, 0, x.length)).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q8_0", "Q4_0"})
    void partialBlocksAreRejected(GgmlType type) {
        FloatTensor t = FloatTensor.wrap(type, VectorKernelsTest.randomBlocks(type, 2, 1), 64);
        Q8Activations q = new Q8Activations(64);
        assertThatThrownBy(() -> t.dotQ8Vector(3, q, 0, 32))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.dotQ8Scalar(0, q, 0, 33))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.dotQ8Scalar(32, q, 32, 64))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
