package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K: super-blocks of 256 elements, 210 bytes each:
 *
 * <pre>
 *   [0..128)    ql      low 4 bits of the 6-bit values
 *   [128..192)  qh      high 2 bits, four values per byte
 *   [192..208)  int8 scales, one per 16 elements
 *   [208..210)  f16 d
 * </pre>
 *
 * The super-block is two halves of 128 elements (h = 0, 1; ql += 64h, qh += 32h, scales += 8h).
 * Within a half, for l = 0..31, with k = 0..3 selecting a quarter:
 *
 * <pre>
 *   element 32k + l:  low  = k even ? ql[l + 32*(k&1)] &amp; 0xF : ql[l + 32*(k&1)] &gt;&gt; 4
 *                     (k = 0: ql[l] low; 1: ql[l+32] low; 2: ql[l] high; 3: ql[l+32] high)
 *                     high = (qh[l] &gt;&gt; 2k) &amp; 3
 *                     value = d * scales[l/16 + 2k] * ((high &lt;&lt; 4 | low) - 32)
 * </pre>
 */
public final class Q6_KTensor extends FloatTensor {
    static final int BLOCK = 256;
    static final int BYTES = 210;

    public Q6_KTensor(ByteBuffer data, int size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    /** The signed 6-bit value (-32..31) of element {@code 32k + l} of half {@code h}. */
    private int quant(int base, int h, int k, int l) {
        int ql = data.get(base + 64 * h + l + 32 * (k & 1)) & 0xFF;
        int low = k < 2 ? ql & 0xF : ql >>> 4;
        int high = ((data.get(base + 128 + 32 * h + l) & 0xFF) >>> (2 * k)) & 3;
        return ((high << 4) | low) - 32;
    }

    private int scale(int base, int h, int k, int l) {
        return data.get(base + 192 + 8 * h + l / 16 + 2 * k);
    }

    @Override
    public float getFloat(int index) {
        int base = index / BLOCK * BYTES;
        int e = index % BLOCK;
        int h = e / 128;
        int k = (e % 128) / 32;
        int l = e % 32;
        return f16(base + 208) * scale(base, h, k, l) * quant(base, h, k, l);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base + 208);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    int xk = xOffset + b * BLOCK + 128 * h + 32 * k;
                    for (int half = 0; half < 2; half++) { // 16 elements share one scale
                        float partial = 0f;
                        for (int l = 16 * half; l < 16 * half + 16; l++) {
                            partial += quant(base, h, k, l) * x[xk + l];
                        }
                        sum += d * scale(base, h, k, 16 * half) * partial;
                    }
                }
            }
        }
        return sum;
    }

    @Override
    protected float dotBlocksVector(int first, int count, float[] x, int xOffset) {
        if (!Lanes.usable()) {
            return dotBlocksScalar(first, count, x, xOffset);
        }
        // Every load, shift and cast is written out here: a vector returned by a helper that C2
        // did not inline gets boxed, which costs more than the arithmetic.
        FloatVector accEven = FloatVector.zero(Lanes.QF); // quarters 0, 2
        FloatVector accOdd = FloatVector.zero(Lanes.QF); // quarters 1, 3: a second fma chain
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base + 208);
            for (int h = 0; h < 2; h++) {
                int qlBase = base + 64 * h;
                int qhBase = base + 128 + 32 * h;
                int xh = xOffset + b * BLOCK + 128 * h;
                // QL is 8 or 16, so a chunk never straddles the 16-element scale groups
                for (int l = 0; l < 32; l += Lanes.QL) {
                    ByteVector ql0 =
                            ByteVector.fromByteBuffer(
                                    Lanes.QB, data, qlBase + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector ql1 =
                            ByteVector.fromByteBuffer(
                                    Lanes.QB, data, qlBase + 32 + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector qh =
                            ByteVector.fromByteBuffer(
                                    Lanes.QB, data, qhBase + l, ByteOrder.LITTLE_ENDIAN);
                    // quarters 0 and 2 read ql0, 1 and 3 read ql1; the low 4 bits are the low
                    // nibble for k < 2 and the high nibble after (a shift by 0 or 4, no branch)
                    for (int k = 0; k < 4; k += 2) {
                        int shift = 4 * (k >> 1);
                        ByteVector q0 =
                                ql0.lanewise(VectorOperators.LSHR, shift)
                                        .and((byte) 0xF)
                                        .or(
                                                qh.lanewise(VectorOperators.LSHR, 2 * k)
                                                        .and((byte) 3)
                                                        .lanewise(VectorOperators.LSHL, 4))
                                        .sub((byte) 32);
                        ByteVector q1 =
                                ql1.lanewise(VectorOperators.LSHR, shift)
                                        .and((byte) 0xF)
                                        .or(
                                                qh.lanewise(VectorOperators.LSHR, 2 * k + 2)
                                                        .and((byte) 3)
                                                        .lanewise(VectorOperators.LSHL, 4))
                                        .sub((byte) 32);
                        FloatVector w0 =
                                ((FloatVector) q0.castShape(Lanes.QF, 0))
                                        .mul(d * scale(base, h, k, l));
                        FloatVector w1 =
                                ((FloatVector) q1.castShape(Lanes.QF, 0))
                                        .mul(d * scale(base, h, k + 1, l));
                        FloatVector x0 = FloatVector.fromArray(Lanes.QF, x, xh + 32 * k + l);
                        FloatVector x1 = FloatVector.fromArray(Lanes.QF, x, xh + 32 * (k + 1) + l);
                        accEven = w0.fma(x0, accEven);
                        accOdd = w1.fma(x1, accOdd);
                    }
                }
            }
        }
        return accEven.add(accOdd).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base + 208);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < 32; l++) {
                        out[outOffset + b * BLOCK + 128 * h + 32 * k + l] =
                                d * scale(base, h, k, l) * quant(base, h, k, l);
                    }
                }
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
            float d = f16(base + 208);
            for (int h = 0; h < 2; h++) {
                int o = outOffset + b * BLOCK + 128 * h;
                for (int l = 0; l < 32; l += Lanes.QL) {
                    ByteVector qh =
                            ByteVector.fromByteBuffer(
                                    Lanes.QB,
                                    data,
                                    base + 128 + 32 * h + l,
                                    ByteOrder.LITTLE_ENDIAN);
                    for (int k = 0; k < 4; k++) {
                        ByteVector ql =
                                ByteVector.fromByteBuffer(
                                        Lanes.QB,
                                        data,
                                        base + 64 * h + 32 * (k & 1) + l,
                                        ByteOrder.LITTLE_ENDIAN);
                        ByteVector q =
                                ql.lanewise(VectorOperators.LSHR, 4 * (k >> 1))
                                        .and((byte) 0xF)
                                        .or(
                                                qh.lanewise(VectorOperators.LSHR, 2 * k)
                                                        .and((byte) 3)
                                                        .lanewise(VectorOperators.LSHL, 4))
                                        .sub((byte) 32);
                        ((FloatVector) q.castShape(Lanes.QF, 0))
                                .mul(d * scale(base, h, k, l))
                                .intoArray(out, o + 32 * k + l);
                    }
                }
            }
        }
    }
}
