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

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        System.arraycopy(values, first, out, outOffset, count);
    }

    @Override
    protected void dequantizeBlocksVector(int first, int count, float[] out, int outOffset) {
        System.arraycopy(values, first, out, outOffset, count); // a copy is already optimal
    }
}
