package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0: blocks of 32 elements, 34 bytes each: an f16 scale d, then 32 signed bytes q. Element value
 * = d * q.
 */
public final class Q8_0Tensor extends FloatTensor {
    static final int BLOCK = 32;
    static final int BYTES = 34;

    public Q8_0Tensor(ByteBuffer data, int size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public float getFloat(int index) {
        int base = index / BLOCK * BYTES;
        return f16(base) * data.get(base + 2 + index % BLOCK);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            int xb = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += data.get(base + 2 + j) * x[xb + j];
            }
            sum += f16(base) * blockSum;
        }
        return sum;
    }

    @Override
    protected float dotBlocksVector(int first, int count, float[] x, int xOffset) {
        if (!Lanes.usable()) {
            return dotBlocksScalar(first, count, x, xOffset);
        }
        // Two partial sums per block break the fma dependency chain: the loop is bound by
        // loads and byte-to-float conversions, not by fma latency.
        FloatVector acc = FloatVector.zero(Lanes.QF);
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            int xb = xOffset + b * BLOCK;
            FloatVector even = FloatVector.zero(Lanes.QF);
            FloatVector odd = FloatVector.zero(Lanes.QF);
            for (int j = 0; j < BLOCK; j += 2 * Lanes.QL) {
                // loads and casts written out: a vector returned from a helper that C2 did not
                // inline is boxed, which costs more than the arithmetic
                ByteVector q0 =
                        ByteVector.fromByteBuffer(
                                Lanes.QB, data, base + 2 + j, ByteOrder.LITTLE_ENDIAN);
                ByteVector q1 =
                        ByteVector.fromByteBuffer(
                                Lanes.QB, data, base + 2 + j + Lanes.QL, ByteOrder.LITTLE_ENDIAN);
                FloatVector w0 = (FloatVector) q0.castShape(Lanes.QF, 0);
                FloatVector w1 = (FloatVector) q1.castShape(Lanes.QF, 0);
                even = w0.fma(FloatVector.fromArray(Lanes.QF, x, xb + j), even);
                odd = w1.fma(FloatVector.fromArray(Lanes.QF, x, xb + j + Lanes.QL), odd);
            }
            acc = even.add(odd).fma(FloatVector.broadcast(Lanes.QF, f16(base)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base);
            for (int j = 0; j < BLOCK; j++) {
                out[outOffset + b * BLOCK + j] = d * data.get(base + 2 + j);
            }
        }
    }

    @Override
    protected void dequantizeBlocksVector(int first, int count, float[] out, int outOffset) {
        if (!Lanes.usable()) {
            dequantizeBlocks(first, count, out, outOffset);
            return;
        }
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base);
            for (int j = 0; j < BLOCK; j += Lanes.QL) {
                ByteVector q =
                        ByteVector.fromByteBuffer(
                                Lanes.QB, data, base + 2 + j, ByteOrder.LITTLE_ENDIAN);
                ((FloatVector) q.castShape(Lanes.QF, 0))
                        .mul(d)
                        .intoArray(out, outOffset + b * BLOCK + j);
            }
        }
    }
}
