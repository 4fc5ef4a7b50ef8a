package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import java.nio.ByteBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * 32-bit floats, copied at load into a heap array: on JDK 17 Vector API loads from a heap array
 * compile to plain vector loads, while loads from a mapped buffer carry bounds and liveness checks
 * that cost F32 decode a measurable share of the memory bandwidth (docs/BENCHMARKS.md, issue 15).
 * The cost is heap equal to the tensor's bytes.
 */
public final class F32Tensor extends FloatTensor {
    private final float[] values; // (size)

    public F32Tensor(ByteBuffer data, int size) {
        super(data, size);
        this.values = new float[size];
        this.data.asFloatBuffer().get(values);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public float getFloat(int index) {
        return values[index];
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int i = 0; i < count; i++) {
            sum += values[first + i] * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected float dotBlocksVector(int first, int count, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(Lanes.F);
        FloatVector acc1 = FloatVector.zero(Lanes.F);
        int upper2 = count - count % (2 * Lanes.L);
        int i = 0;
        for (; i < upper2; i += 2 * Lanes.L) { // two accumulators hide the fma latency
            FloatVector w0 = FloatVector.fromArray(Lanes.F, values, first + i);
            FloatVector w1 = FloatVector.fromArray(Lanes.F, values, first + i + Lanes.L);
            acc0 = w0.fma(FloatVector.fromArray(Lanes.F, x, xOffset + i), acc0);
            acc1 = w1.fma(FloatVector.fromArray(Lanes.F, x, xOffset + i + Lanes.L), acc1);
        }
        if (i + Lanes.L <= count) {
            FloatVector w = FloatVector.fromArray(Lanes.F, values, first + i);
            acc0 = w.fma(FloatVector.fromArray(Lanes.F, x, xOffset + i), acc0);
            i += Lanes.L;
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < count; i++) {
            sum += values[first + i] * x[xOffset + i];
        }
        return sum;
    }

    /**
     * Four rows per pass (register blocking): each vector of x is loaded once and fused into four
     * accumulators, one per row, so a pass issues five loads per four fmas instead of eight, and
     * four independent fma chains are in flight while the four row streams come in from memory.
     * Leftover rows (fewer than four) run the same operations one row at a time, so a row's value
     * does not depend on how the rows were split between threads or groups.
     */
    @Override
    protected void rowsVector(
            int cols,
            int rowStart,
            int rowEnd,
            float[] x,
            int xOffset,
            float[] out,
            int outOffset) {
        int upper = Lanes.F.loopBound(cols);
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            int o0 = r * cols;
            int o1 = o0 + cols;
            int o2 = o1 + cols;
            int o3 = o2 + cols;
            FloatVector a0 = FloatVector.zero(Lanes.F);
            FloatVector a1 = FloatVector.zero(Lanes.F);
            FloatVector a2 = FloatVector.zero(Lanes.F);
            FloatVector a3 = FloatVector.zero(Lanes.F);
            int i = 0;
            for (; i < upper; i += Lanes.L) {
                FloatVector xv = FloatVector.fromArray(Lanes.F, x, xOffset + i);
                a0 = FloatVector.fromArray(Lanes.F, values, o0 + i).fma(xv, a0);
                a1 = FloatVector.fromArray(Lanes.F, values, o1 + i).fma(xv, a1);
                a2 = FloatVector.fromArray(Lanes.F, values, o2 + i).fma(xv, a2);
                a3 = FloatVector.fromArray(Lanes.F, values, o3 + i).fma(xv, a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            float s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD);
            float s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                float xi = x[xOffset + i];
                s0 += values[o0 + i] * xi;
                s1 += values[o1 + i] * xi;
                s2 += values[o2 + i] * xi;
                s3 += values[o3 + i] * xi;
            }
            int o = outOffset + r - rowStart;
            out[o] = s0;
            out[o + 1] = s1;
            out[o + 2] = s2;
            out[o + 3] = s3;
        }
        for (; r < rowEnd; r++) { // the same operations for one row, so grouping never matters
            int o0 = r * cols;
            FloatVector a0 = FloatVector.zero(Lanes.F);
            int i = 0;
            for (; i < upper; i += Lanes.L) {
                FloatVector xv = FloatVector.fromArray(Lanes.F, x, xOffset + i);
                a0 = FloatVector.fromArray(Lanes.F, values, o0 + i).fma(xv, a0);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                s0 += values[o0 + i] * x[xOffset + i];
            }
            out[outOffset + r - rowStart] = s0;
        }
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        System.arraycopy(values, first, out, outOffset, count);
    }

    @Override
    protected void dequantizeBlocksVector(int first, int count, float[] out, int outOffset) {
        System.arraycopy(values, first, out, outOffset, count); // a copy is already optimal
    }
}
