package io.memflow.serving.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kernels.ScalarKernels;
import io.memflow.serving.kernels.VectorKernels;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Vector API kernels against the scalar references, for every type, with offsets and lengths that
 * start and end inside blocks and odd activation offsets.
 *
 * <p>Tolerance: the two paths sum in different orders, so they may differ by float rounding:
 * |vector - scalar| &lt;= 1e-5 * sum |w_i * x_i| + 1e-6.
 */
class VectorKernelsTest {
    static final double RELATIVE_TOLERANCE = 1e-5;

    @Test
    void vectorApiIsSelectedOnThisMachine() {
        assertThat(Kernels.preferred()).isEqualTo(Kernels.VECTOR);
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void dotMatchesScalar(GgmlType type) {
        int blocks = 9;
        int size = blocks * type.blockSize();
        FloatTensor t = FloatTensor.wrap(type, randomBlocks(type, blocks, 11), size);
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[size + 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        int b = type.blockSize();
        int[][] cases = { // {offset, length}
            {0, size},
            {0, b},
            {b, 3 * b},
            {0, 1},
            {b + 5, 2 * b + 3},
            {3, size - 3},
            {2 * b, 5 * b + 17},
            {size - 7, 7},
            {0, 0},
            {b, b + 13}
        };
        for (int[] c : cases) {
            for (int xOffset : new int[] {0, 3, 7}) {
                int offset = c[0];
                int n = Math.min(c[1], size - offset);
                float scalar = t.dotScalar(offset, x, xOffset, n);
                float vector = t.dotVector(offset, x, xOffset, n);
                double scale = 0;
                for (int i = 0; i < n; i++) {
                    scale += Math.abs(t.getFloat(offset + i) * x[xOffset + i]);
                }
                assertThat((double) Math.abs(vector - scalar))
                        .as("%s offset %d n %d xOffset %d", type, offset, n, xOffset)
                        .isLessThanOrEqualTo(RELATIVE_TOLERANCE * scale + 1e-6);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void dequantizeMatchesScalar(GgmlType type) {
        int blocks = 5;
        int size = blocks * type.blockSize();
        FloatTensor t = FloatTensor.wrap(type, randomBlocks(type, blocks, 13), size);
        int b = type.blockSize();
        int[][] cases = {{0, size}, {b, 2 * b}, {3, size - 3}, {b + 1, b + 9}, {0, 1}};
        for (int[] c : cases) {
            int n = Math.min(c[1], size - c[0]);
            float[] scalar = new float[n + 5];
            float[] vector = new float[n + 5];
            t.dequantize(c[0], scalar, 5, n);
            t.dequantizeVector(c[0], vector, 5, n);
            for (int i = 0; i < scalar.length; i++) {
                // equal up to one fused multiply-add rounding (Q4_K: q * scale - min)
                assertThat(Math.abs(vector[i] - scalar[i]))
                        .as("%s offset %d n %d element %d", type, c[0], n, i)
                        .isLessThanOrEqualTo(1e-6f * Math.abs(scalar[i]) + 1e-7f);
            }
        }
    }

    @Test
    void floatArrayKernelsMatchScalar() {
        SplittableRandom r = new SplittableRandom(3);
        float[] a = new float[301];
        float[] b = new float[301];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble() - 0.5f;
            b[i] = (float) r.nextDouble() - 0.5f;
        }
        for (int n : new int[] {0, 1, 15, 16, 17, 64, 290}) {
            for (int off : new int[] {0, 1, 9}) {
                float s = ScalarKernels.dot(a, off, b, off + 1, n);
                float v = VectorKernels.dot(a, off, b, off + 1, n);
                assertThat(Math.abs(s - v)).isLessThanOrEqualTo(1e-5f * n + 1e-6f);
                float[] ys = b.clone();
                float[] yv = b.clone();
                ScalarKernels.axpy(0.75f, a, off, ys, off + 2, n);
                VectorKernels.axpy(0.75f, a, off, yv, off + 2, n);
                for (int i = 0; i < ys.length; i++) {
                    assertThat(yv[i]).isCloseTo(ys[i], org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
        }
    }

    @Test
    void stridedDotsMatchScalarAndDoNotDependOnGrouping() {
        SplittableRandom r = new SplittableRandom(12);
        int stride = 90;
        float[] b = new float[stride * 23 + 100];
        float[] a = new float[100];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextDouble() - 0.5f;
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble() - 0.5f;
        }
        // widths: one vector, several, tail only, vectors + tail; rows: none, fewer than a group,
        // whole groups, groups + leftovers
        for (int n : new int[] {8, 64, 5, 77}) {
            for (int rows : new int[] {0, 1, 3, 4, 9, 23}) {
                for (int off : new int[] {0, 3}) {
                    float[] s = new float[rows + 4];
                    float[] v = new float[rows + 4];
                    ScalarKernels.dots(a, off + 1, b, off, stride, rows, n, 0.125f, s, 2);
                    VectorKernels.dots(a, off + 1, b, off, stride, rows, n, 0.125f, v, 2);
                    for (int i = 0; i < s.length; i++) {
                        assertThat(v[i])
                                .as("n %d rows %d off %d element %d", n, rows, off, i)
                                .isCloseTo(s[i], org.assertj.core.data.Offset.offset(1e-5f));
                    }
                    // rows one call at a time: the same values bit for bit
                    for (int row = 0; row < rows; row++) {
                        float[] one = new float[1];
                        VectorKernels.dots(
                                a, off + 1, b, off + row * stride, stride, 1, n, 0.125f, one, 0);
                        assertThat(one[0]).isEqualTo(v[2 + row]);
                    }
                }
            }
        }
    }

    @Test
    void weightedSumMatchesScalar() {
        SplittableRandom r = new SplittableRandom(8);
        int stride = 200;
        float[] v = new float[stride * 40 + 64];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble() - 0.5f;
        }
        float[] w = new float[40];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble();
        }
        // head widths: 8 (one vector), 64 (two chunks), 48 (chunk + vector), 13 (tail only), 77
        for (int n : new int[] {0, 8, 64, 48, 13, 77}) {
            for (int slots : new int[] {0, 1, 7, 40}) {
                for (int vOffset : new int[] {0, 5}) {
                    float[] s = new float[n + 9];
                    float[] vec = new float[n + 9];
                    java.util.Arrays.fill(s, 9f); // stale values must be overwritten
                    java.util.Arrays.fill(vec, 9f);
                    ScalarKernels.weightedSum(w, slots, v, vOffset, stride, s, 3, n);
                    VectorKernels.weightedSum(w, slots, v, vOffset, stride, vec, 3, n);
                    for (int i = 0; i < s.length; i++) {
                        assertThat(vec[i])
                                .as("n %d slots %d vOffset %d element %d", n, slots, vOffset, i)
                                .isCloseTo(s[i], org.assertj.core.data.Offset.offset(1e-5f));
                    }
                }
            }
        }
    }

    @Test
    void softmaxAndSwigluMatchScalar() {
        SplittableRandom r = new SplittableRandom(9);
        // lengths: empty, below one vector, one vector, odd, long (a 384-position cache row)
        for (int n : new int[] {0, 1, 5, 8, 13, 64, 77, 384}) {
            for (int offset : new int[] {0, 3}) {
                float[] s = new float[offset + n + 2];
                for (int i = 0; i < s.length; i++) {
                    s[i] = (float) (r.nextDouble() * 40 - 20); // scores far apart, as logits are
                }
                float[] vec = s.clone();
                ScalarKernels.softmax(s, offset, n);
                VectorKernels.softmax(vec, offset, n);
                float total = 0f;
                for (int i = 0; i < s.length; i++) {
                    assertThat(vec[i])
                            .as("softmax n %d offset %d element %d", n, offset, i)
                            .isCloseTo(s[i], org.assertj.core.data.Offset.offset(1e-6f));
                    if (i >= offset && i < offset + n) {
                        total += vec[i];
                    }
                }
                if (n > 0) {
                    assertThat(total).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
            float[] gate = new float[n];
            float[] up = new float[n];
            for (int i = 0; i < n; i++) {
                gate[i] = (float) (r.nextDouble() * 16 - 8);
                up[i] = (float) (r.nextDouble() * 4 - 2);
            }
            float[] sg = gate.clone();
            float[] vg = gate.clone();
            ScalarKernels.swiglu(sg, up, n);
            VectorKernels.swiglu(vg, up, n);
            for (int i = 0; i < n; i++) {
                assertThat(vg[i])
                        .as("swiglu n %d element %d", n, i)
                        .isCloseTo(
                                sg[i],
                                org.assertj.core.data.Offset.offset(1e-5f * (1 + Math.abs(sg[i]))));
            }
        }
    }

    /** Random payload bytes with sane f16 scales (no inf/NaN) where each format keeps them. */
    static ByteBuffer randomBlocks(GgmlType type, int blocks, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int bytes = blocks * type.blockBytes();
        ByteBuffer buf = Blocks.le(bytes);
        for (int i = 0; i < bytes; i++) {
            buf.put(i, (byte) r.nextInt(256));
        }
        for (int blk = 0; blk < blocks; blk++) {
            int at = blk * type.blockBytes();
            switch (type) {
                case F32:
                    buf.putFloat(at, (float) (r.nextDouble() * 2 - 1));
                    break;
                case F16:
                    buf.putShort(at, Float16.fromFloat((float) (r.nextDouble() * 4 - 2)));
                    break;
                case BF16:
                    buf.putShort(
                            at, (short) (Float.floatToRawIntBits((float) r.nextDouble()) >>> 16));
                    break;
                case Q8_0:
                case Q4_0:
                    buf.putShort(at, Float16.fromFloat((float) (r.nextDouble() * 0.1 - 0.05)));
                    break;
                case Q4_K:
                    buf.putShort(at, Float16.fromFloat((float) (r.nextDouble() * 0.01)));
                    buf.putShort(at + 2, Float16.fromFloat((float) (r.nextDouble() * 0.01)));
                    break;
                case Q6_K:
                    buf.putShort(at + 208, Float16.fromFloat((float) (r.nextDouble() * 0.01)));
                    break;
                default:
                    throw new AssertionError(type);
            }
        }
        return buf;
    }
}
