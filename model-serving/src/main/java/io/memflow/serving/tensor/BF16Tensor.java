package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16: the upper 16 bits of a float32. */
public final class BF16Tensor extends FloatTensor {

    public BF16Tensor(ByteBuffer data, int size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public float getFloat(int index) {
        return Float.intBitsToFloat(data.getShort(index * 2) << 16);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int i = 0; i < count; i++) {
            sum += getFloat(first + i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected float dotBlocksVector(int first, int count, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(Lanes.QF);
        int upper = Lanes.QF.loopBound(count);
        int i = 0;
        for (; i < upper; i += Lanes.QL) {
            ShortVector h =
                    ShortVector.fromByteBuffer(
                            Lanes.QS, data, (first + i) * 2, ByteOrder.LITTLE_ENDIAN);
            // the sign extension of the cast is shifted out
            FloatVector w =
                    ((IntVector) h.castShape(Lanes.QI, 0))
                            .lanewise(VectorOperators.LSHL, 16)
                            .reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(Lanes.QF, x, xOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < count; i++) {
            sum += getFloat(first + i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int i = 0; i < count; i++) {
            out[outOffset + i] = getFloat(first + i);
        }
    }

    @Override
    protected void dequantizeBlocksVector(int first, int count, float[] out, int outOffset) {
        int upper = Lanes.QF.loopBound(count);
        int i = 0;
        for (; i < upper; i += Lanes.QL) {
            ShortVector h =
                    ShortVector.fromByteBuffer(
                            Lanes.QS, data, (first + i) * 2, ByteOrder.LITTLE_ENDIAN);
            ((IntVector) h.castShape(Lanes.QI, 0))
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats()
                    .intoArray(out, outOffset + i);
        }
        dequantizeBlocks(first + i, count - i, out, outOffset + i);
    }
}
