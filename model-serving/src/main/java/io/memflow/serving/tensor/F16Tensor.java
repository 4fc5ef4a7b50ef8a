package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** IEEE half-precision floats. */
public final class F16Tensor extends FloatTensor {

    public F16Tensor(ByteBuffer data, int size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public float getFloat(int index) {
        return f16(index * 2);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int i = 0; i < count; i++) {
            sum += f16((first + i) * 2) * x[xOffset + i];
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
            IntVector bits = (IntVector) h.castShape(Lanes.QI, 0);
            IntVector magnitude = bits.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
            IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            FloatVector w =
                    magnitude
                            .reinterpretAsFloats()
                            .mul(0x1.0p112f)
                            .reinterpretAsInts()
                            .or(sign)
                            .reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(Lanes.QF, x, xOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < count; i++) {
            sum += f16((first + i) * 2) * x[xOffset + i];
        }
        return sum;
    }

    // Halves are widened with integer ops (Java 17 has no vector f16 conversion): the same
    // rescale-by-2^112 trick as Float16.decode, exact for all finite halves. Infinities and NaNs
    // would become large finite values; they do not occur in model weights. The code is written
    // out in both kernels rather than shared through a helper returning a vector, which C2 may
    // leave un-inlined and then box.

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int i = 0; i < count; i++) {
            out[outOffset + i] = f16((first + i) * 2);
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
            IntVector bits = (IntVector) h.castShape(Lanes.QI, 0);
            IntVector magnitude = bits.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
            IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            FloatVector w =
                    magnitude
                            .reinterpretAsFloats()
                            .mul(0x1.0p112f)
                            .reinterpretAsInts()
                            .or(sign)
                            .reinterpretAsFloats();
            w.intoArray(out, outOffset + i);
        }
        dequantizeBlocks(first + i, count - i, out, outOffset + i);
    }
}
