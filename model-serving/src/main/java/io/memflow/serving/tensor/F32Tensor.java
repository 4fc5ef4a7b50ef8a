package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** 32-bit floats. */
public final class F32Tensor extends FloatTensor {

    public F32Tensor(ByteBuffer data, int size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public float getFloat(int index) {
        return data.getFloat(index * 4);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int i = 0; i < count; i++) {
            sum += data.getFloat((first + i) * 4) * x[xOffset + i];
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
            FloatVector w0 =
                    FloatVector.fromByteBuffer(
                            Lanes.F, data, (first + i) * 4, ByteOrder.LITTLE_ENDIAN);
            FloatVector w1 =
                    FloatVector.fromByteBuffer(
                            Lanes.F, data, (first + i + Lanes.L) * 4, ByteOrder.LITTLE_ENDIAN);
            acc0 = w0.fma(FloatVector.fromArray(Lanes.F, x, xOffset + i), acc0);
            acc1 = w1.fma(FloatVector.fromArray(Lanes.F, x, xOffset + i + Lanes.L), acc1);
        }
        if (i + Lanes.L <= count) {
            FloatVector w =
                    FloatVector.fromByteBuffer(
                            Lanes.F, data, (first + i) * 4, ByteOrder.LITTLE_ENDIAN);
            acc0 = w.fma(FloatVector.fromArray(Lanes.F, x, xOffset + i), acc0);
            i += Lanes.L;
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < count; i++) {
            sum += data.getFloat((first + i) * 4) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int i = 0; i < count; i++) {
            out[outOffset + i] = data.getFloat((first + i) * 4);
        }
    }

    @Override
    protected void dequantizeBlocksVector(int first, int count, float[] out, int outOffset) {
        int upper = Lanes.F.loopBound(count);
        int i = 0;
        for (; i < upper; i += Lanes.L) {
            FloatVector.fromByteBuffer(Lanes.F, data, (first + i) * 4, ByteOrder.LITTLE_ENDIAN)
                    .intoArray(out, outOffset + i);
        }
        dequantizeBlocks(first + i, count - i, out, outOffset + i);
    }
}
