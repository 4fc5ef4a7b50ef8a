package io.memflow.serving.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Q8Activations;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The row-range matrix-vector products ({@code matvec*}): the Vector API twins (which work on
 * several rows per pass) against the scalar references, on row ranges whose start and length are
 * not multiples of the row blocking, with odd column counts (F32) and odd activation offsets; and
 * the property the thread pool relies on: a row's value does not depend on how the rows were split
 * into calls.
 *
 * <p>Tolerances as in {@link VectorKernelsTest} and {@link IntegerDotTest}: the twins differ only
 * in float summation order, |diff| &lt;= 1e-5 * sum |w_i x_i| + 1e-6 per row.
 */
class MatvecTest {
    static final double RELATIVE_TOLERANCE = 1e-5;

    /** {row start, row end} cases over a matrix of 23 rows. */
    static final int[][] RANGES = {
        {0, 23}, {0, 1}, {1, 4}, {3, 12}, {5, 6}, {7, 23}, {4, 8}, {22, 23}, {9, 9}, {2, 19}
    };

    static final int ROWS = 23;

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void floatMatvecMatchesScalar(GgmlType type) {
        // F32: odd columns (tails inside every row); block formats: whole blocks per row
        int cols = type == GgmlType.F32 ? 77 : 2 * type.blockSize();
        int size = ROWS * cols;
        FloatTensor t =
                FloatTensor.wrap(
                        type,
                        VectorKernelsTest.randomBlocks(type, size / type.blockSize(), 5),
                        size);
        float[] x = random(cols + 9, 3);
        for (int xOffset : new int[] {0, 9}) {
            for (int[] c : RANGES) {
                float[] scalar = new float[ROWS + 5];
                float[] vector = new float[ROWS + 5];
                t.matvecScalar(cols, c[0], c[1], x, xOffset, scalar, 3);
                t.matvecVector(cols, c[0], c[1], x, xOffset, vector, 3);
                for (int r = c[0]; r < c[1]; r++) {
                    double scale = 0;
                    for (int i = 0; i < cols; i++) {
                        scale += Math.abs(t.getFloat(r * cols + i) * x[xOffset + i]);
                    }
                    int o = 3 + r - c[0];
                    assertThat((double) Math.abs(vector[o] - scalar[o]))
                            .as(
                                    type + " row " + r + " of [" + c[0] + ", " + c[1] + ") x+"
                                            + xOffset)
                            .isLessThanOrEqualTo(RELATIVE_TOLERANCE * scale + 1e-6);
                }
                assertOutsideUntouched(scalar, 3, c[1] - c[0]);
                assertOutsideUntouched(vector, 3, c[1] - c[0]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q8_0", "Q4_0", "Q4_K"})
    void integerMatvecMatchesScalar(GgmlType type) {
        int cols = 256; // whole Q4_K super-blocks
        int size = ROWS * cols;
        FloatTensor t =
                FloatTensor.wrap(
                        type,
                        VectorKernelsTest.randomBlocks(type, size / type.blockSize(), 13),
                        size);
        float[] xf = random(cols + 3 * 32, 8);
        Q8Activations q = new Q8Activations(xf.length);
        q.quantize(xf, 0, xf.length);
        for (int xOffset : new int[] {0, 3 * 32}) {
            for (int[] c : RANGES) {
                float[] scalar = new float[ROWS + 5];
                float[] vector = new float[ROWS + 5];
                t.matvecQ8Scalar(cols, c[0], c[1], q, xOffset, scalar, 2);
                t.matvecQ8Vector(cols, c[0], c[1], q, xOffset, vector, 2);
                for (int r = c[0]; r < c[1]; r++) {
                    double scale = 0;
                    for (int i = 0; i < cols; i++) {
                        int xi = xOffset + i;
                        scale +=
                                Math.abs(
                                        t.getFloat(r * cols + i)
                                                * q.scales()[xi / 32]
                                                * q.values()[xi]);
                    }
                    int o = 2 + r - c[0];
                    assertThat((double) Math.abs(vector[o] - scalar[o]))
                            .as(
                                    type + " row " + r + " of [" + c[0] + ", " + c[1] + ") x+"
                                            + xOffset)
                            .isLessThanOrEqualTo(RELATIVE_TOLERANCE * scale + 1e-6);
                    // the one-row integer dot is the same computation
                    assertThat(vector[o]).isEqualTo(t.dotQ8Vector(r * cols, q, xOffset, cols));
                }
                assertOutsideUntouched(vector, 2, c[1] - c[0]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"F32", "Q8_0"})
    void aRowsValueDoesNotDependOnHowTheRowsAreSplit(GgmlType type) {
        int cols = type == GgmlType.F32 ? 77 : 96;
        int size = ROWS * cols;
        FloatTensor t =
                FloatTensor.wrap(
                        type,
                        VectorKernelsTest.randomBlocks(type, size / type.blockSize(), 17),
                        size);
        float[] x = random(cols, 4);
        boolean integer = t.hasQ8Dot();
        Q8Activations q = new Q8Activations(integer ? cols : 0);
        if (integer) {
            q.quantize(x, 0, cols);
        }
        float[] whole = new float[ROWS];
        matvec(t, cols, 0, ROWS, x, q, whole);
        int[] cuts = {0, 1, 3, 8, 9, 14, 15, 23}; // pieces of 1, 2, 5, 1, 5, 1 and 8 rows
        float[] pieces = new float[ROWS];
        for (int i = 0; i + 1 < cuts.length; i++) {
            matvec(t, cols, cuts[i], cuts[i + 1], x, q, pieces);
        }
        assertThat(pieces).containsExactly(whole);
    }

    private static void matvec(
            FloatTensor t, int cols, int from, int to, float[] x, Q8Activations q, float[] out) {
        if (t.hasQ8Dot()) {
            t.matvecQ8Vector(cols, from, to, q, 0, out, from);
        } else {
            t.matvecVector(cols, from, to, x, 0, out, from);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"F32", "Q8_0"})
    void rowsOutsideTheTensorAreRejected(GgmlType type) {
        int cols = 64;
        FloatTensor t =
                FloatTensor.wrap(
                        type,
                        VectorKernelsTest.randomBlocks(type, 4 * cols / type.blockSize(), 1),
                        4 * cols);
        float[] x = new float[cols];
        float[] out = new float[8];
        assertThatThrownBy(() -> t.matvecVector(cols, 2, 5, x, 0, out, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> t.matvecScalar(cols, 3, 2, x, 0, out, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static void assertOutsideUntouched(float[] out, int from, int n) {
        for (int i = 0; i < out.length; i++) {
            if (i < from || i >= from + n) {
                assertThat(out[i]).as("out[" + i + "]").isZero();
            }
        }
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return x;
    }
}
