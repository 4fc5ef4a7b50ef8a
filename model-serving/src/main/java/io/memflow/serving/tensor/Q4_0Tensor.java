package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: blocks of 32 elements, 18 bytes each: an f16 scale d, then 16 bytes of 4-bit values. Byte j
 * holds element j in its low nibble and element j + 16 in its high nibble; element value = d *
 * (nibble - 8).
 */
public final class Q4_0Tensor extends FloatTensor {
    static final int BLOCK = 32;
    static final int BYTES = 18;

    public Q4_0Tensor(ByteBuffer data, int size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public float getFloat(int index) {
        int base = index / BLOCK * BYTES;
        int j = index % BLOCK;
        int packed = data.get(base + 2 + (j & 15)) & 0xFF;
        int q = j < 16 ? packed & 0xF : packed >>> 4;
        return f16(base) * (q - 8);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            int xb = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < 16; j++) {
                int packed = data.get(base + 2 + j) & 0xFF;
                blockSum += ((packed & 0xF) - 8) * x[xb + j];
                blockSum += ((packed >>> 4) - 8) * x[xb + j + 16];
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
        FloatVector acc = FloatVector.zero(Lanes.QF);
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            int xb = xOffset + b * BLOCK;
            FloatVector lowAcc = FloatVector.zero(Lanes.QF); // two chains hide fma latency
            FloatVector highAcc = FloatVector.zero(Lanes.QF);
            for (int j = 0; j < 16; j += Lanes.QL) {
                ByteVector packed =
                        ByteVector.fromByteBuffer(
                                Lanes.QB, data, base + 2 + j, ByteOrder.LITTLE_ENDIAN);
                ByteVector lo = packed.and((byte) 0xF).sub((byte) 8);
                ByteVector hi =
                        packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8);
                FloatVector wl = (FloatVector) lo.castShape(Lanes.QF, 0);
                FloatVector wh = (FloatVector) hi.castShape(Lanes.QF, 0);
                lowAcc = wl.fma(FloatVector.fromArray(Lanes.QF, x, xb + j), lowAcc);
                highAcc = wh.fma(FloatVector.fromArray(Lanes.QF, x, xb + j + 16), highAcc);
            }
            acc = lowAcc.add(highAcc).fma(FloatVector.broadcast(Lanes.QF, f16(base)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int packed = data.get(base + 2 + j) & 0xFF;
                out[o + j] = d * ((packed & 0xF) - 8);
                out[o + j + 16] = d * ((packed >>> 4) - 8);
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
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j += Lanes.QL) {
                ByteVector packed =
                        ByteVector.fromByteBuffer(
                                Lanes.QB, data, base + 2 + j, ByteOrder.LITTLE_ENDIAN);
                ByteVector lo = packed.and((byte) 0xF).sub((byte) 8);
                ByteVector hi =
                        packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8);
                ((FloatVector) lo.castShape(Lanes.QF, 0)).mul(d).intoArray(out, o + j);
                ((FloatVector) hi.castShape(Lanes.QF, 0)).mul(d).intoArray(out, o + j + 16);
            }
        }
    }
}
