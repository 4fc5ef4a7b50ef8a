package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import io.memflow.serving.kernels.Q8Activations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K: super-blocks of 256 elements, 144 bytes each:
 *
 * <pre>
 *   [0..2)    f16 d      scale of the sub-block scales
 *   [2..4)    f16 dmin   scale of the sub-block mins
 *   [4..16)   12 bytes   eight 6-bit scales and eight 6-bit mins, packed (see scaleMin)
 *   [16..144) 128 bytes  4-bit values; group g (g = 0..3) owns bytes [32g, 32g+32):
 *                        low nibbles are elements 64g + l (sub-block 2g),
 *                        high nibbles are elements 64g + 32 + l (sub-block 2g + 1)
 * </pre>
 *
 * Element value = d * scale[sub] * q - dmin * min[sub].
 *
 * <p>The float-activation kernels read the mapped file. For integer dots the tensor is also
 * unpacked at load into 32-element sub-blocks on the heap (nibbles in the {@link NibblePairs}
 * layout, a float scale d * scale[sub] and a float offset dmin * min[sub]: 0.75 bytes per weight
 * against the file's 0.5625), so the Q4_0 integer kernel applies with the offset term {@code min *
 * sum(x)} added per sub-block from {@link Q8Activations#sums()}.
 */
public final class Q4_KTensor extends FloatTensor {
    static final int BLOCK = 256;
    static final int BYTES = 144;

    private final short[] pairs; // (NibblePairs.length(size / 32)) sub-blocks, see NibblePairs
    private final float[] subScale; // (size / 32) d * scale of each sub-block
    private final float[] subMin; // (size / 32) dmin * min of each sub-block

    public Q4_KTensor(ByteBuffer data, int size) {
        super(data, size);
        int subs = size / 32;
        this.pairs = new short[NibblePairs.length(subs)];
        byte[] sixteen = new byte[16]; // one sub-block's nibbles in Q4_0 order
        this.subScale = new float[subs];
        this.subMin = new float[subs];
        for (int s = 0; s < subs; s++) {
            int base = s / 8 * BYTES;
            int sub = s % 8;
            int sm = scaleMin(base, sub);
            subScale[s] = f16(base) * (sm & 0xFF);
            subMin[s] = f16(base + 2) * (sm >>> 8);
            int qs = base + 16 + 32 * (sub / 2);
            boolean high = sub % 2 == 1;
            for (int j = 0; j < 16; j++) {
                int a = this.data.get(qs + j) & 0xFF;
                int b = this.data.get(qs + j + 16) & 0xFF;
                int lo = high ? a >>> 4 : a & 0xF;
                int hi = high ? b >>> 4 : b & 0xF;
                sixteen[j] = (byte) (lo | (hi << 4));
            }
            NibblePairs.put(pairs, s, sixteen, 0);
        }
    }

    @Override
    public long bytesRead() {
        return 2L * pairs.length + 2L * subScale.length * Float.BYTES;
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    @Override
    protected float dotQ8BlocksScalar(int first, int count, Q8Activations x, int xBlock) {
        return NibblePairs.dotScalar(pairs, subScale, subMin, 1f, first, count, x, xBlock);
    }

    /** See {@link NibblePairs#dotVector}: scale d * sc, offset dmin * m per sub-block. */
    @Override
    protected float dotQ8BlocksVector(int first, int count, Q8Activations x, int xBlock) {
        if (!Lanes.usable()) {
            return dotQ8BlocksScalar(first, count, x, xBlock);
        }
        return NibblePairs.dotVector(pairs, subScale, subMin, 1f, first, count, x, xBlock);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    /**
     * The 6-bit scale (low 8 bits of the result) and min (bits 8..15) of sub-block {@code sub}.
     * Sub-blocks 0..3 keep both in the low 6 bits of bytes sub and sub + 4; sub-blocks 4..7 keep
     * their low 4 bits in byte sub + 4 and their top 2 bits in the spare top bits of bytes sub - 4
     * (scale) and sub (min).
     */
    private int scaleMin(int base, int sub) {
        int s = base + 4;
        int scale;
        int min;
        if (sub < 4) {
            scale = data.get(s + sub) & 63;
            min = data.get(s + sub + 4) & 63;
        } else {
            int packed = data.get(s + sub + 4) & 0xFF;
            scale = (packed & 0xF) | (((data.get(s + sub - 4) & 0xFF) >>> 6) << 4);
            min = (packed >>> 4) | (((data.get(s + sub) & 0xFF) >>> 6) << 4);
        }
        return scale | (min << 8);
    }

    @Override
    public float getFloat(int index) {
        int base = index / BLOCK * BYTES;
        int e = index % BLOCK;
        int group = e / 64;
        boolean high = (e % 64) >= 32;
        int sub = 2 * group + (high ? 1 : 0);
        int packed = data.get(base + 16 + 32 * group + e % 32) & 0xFF;
        int q = high ? packed >>> 4 : packed & 0xF;
        int sm = scaleMin(base, sub);
        return f16(base) * (sm & 0xFF) * q - f16(base + 2) * (sm >>> 8);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base);
            float dmin = f16(base + 2);
            for (int group = 0; group < 4; group++) {
                int lo = scaleMin(base, 2 * group);
                int hi = scaleMin(base, 2 * group + 1);
                int xg = xOffset + b * BLOCK + 64 * group;
                int qs = base + 16 + 32 * group;
                float dotLo = 0f, sumLo = 0f, dotHi = 0f, sumHi = 0f;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(qs + l) & 0xFF;
                    dotLo += (packed & 0xF) * x[xg + l];
                    sumLo += x[xg + l];
                    dotHi += (packed >>> 4) * x[xg + 32 + l];
                    sumHi += x[xg + 32 + l];
                }
                sum += d * (lo & 0xFF) * dotLo - dmin * (lo >>> 8) * sumLo;
                sum += d * (hi & 0xFF) * dotHi - dmin * (hi >>> 8) * sumHi;
            }
        }
        return sum;
    }

    @Override
    protected float dotBlocksVector(int first, int count, float[] x, int xOffset) {
        if (!Lanes.usable()) {
            return dotBlocksScalar(first, count, x, xOffset);
        }
        FloatVector acc = FloatVector.zero(Lanes.QF); // low nibbles
        FloatVector accHi = FloatVector.zero(Lanes.QF); // high nibbles: a second fma chain
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base);
            float dmin = f16(base + 2);
            for (int group = 0; group < 4; group++) {
                int lo = scaleMin(base, 2 * group);
                int hi = scaleMin(base, 2 * group + 1);
                FloatVector scaleLo = FloatVector.broadcast(Lanes.QF, d * (lo & 0xFF));
                FloatVector minLo = FloatVector.broadcast(Lanes.QF, -dmin * (lo >>> 8));
                FloatVector scaleHi = FloatVector.broadcast(Lanes.QF, d * (hi & 0xFF));
                FloatVector minHi = FloatVector.broadcast(Lanes.QF, -dmin * (hi >>> 8));
                int xg = xOffset + b * BLOCK + 64 * group;
                int qs = base + 16 + 32 * group;
                for (int l = 0; l < 32; l += Lanes.QL) {
                    ByteVector packed =
                            ByteVector.fromByteBuffer(
                                    Lanes.QB, data, qs + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector qLo = packed.and((byte) 0xF);
                    ByteVector qHi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF);
                    // weight = q * scale - min, then accumulate weight * x
                    FloatVector wLo =
                            ((FloatVector) qLo.castShape(Lanes.QF, 0)).fma(scaleLo, minLo);
                    FloatVector wHi =
                            ((FloatVector) qHi.castShape(Lanes.QF, 0)).fma(scaleHi, minHi);
                    acc = wLo.fma(FloatVector.fromArray(Lanes.QF, x, xg + l), acc);
                    accHi = wHi.fma(FloatVector.fromArray(Lanes.QF, x, xg + 32 + l), accHi);
                }
            }
        }
        return acc.add(accHi).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BYTES;
            float d = f16(base);
            float dmin = f16(base + 2);
            for (int group = 0; group < 4; group++) {
                int lo = scaleMin(base, 2 * group);
                int hi = scaleMin(base, 2 * group + 1);
                int o = outOffset + b * BLOCK + 64 * group;
                int qs = base + 16 + 32 * group;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(qs + l) & 0xFF;
                    out[o + l] = d * (lo & 0xFF) * (packed & 0xF) - dmin * (lo >>> 8);
                    out[o + 32 + l] = d * (hi & 0xFF) * (packed >>> 4) - dmin * (hi >>> 8);
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
            float d = f16(base);
            float dmin = f16(base + 2);
            for (int group = 0; group < 4; group++) {
                int lo = scaleMin(base, 2 * group);
                int hi = scaleMin(base, 2 * group + 1);
                FloatVector scaleLo = FloatVector.broadcast(Lanes.QF, d * (lo & 0xFF));
                FloatVector minLo = FloatVector.broadcast(Lanes.QF, -dmin * (lo >>> 8));
                FloatVector scaleHi = FloatVector.broadcast(Lanes.QF, d * (hi & 0xFF));
                FloatVector minHi = FloatVector.broadcast(Lanes.QF, -dmin * (hi >>> 8));
                int o = outOffset + b * BLOCK + 64 * group;
                int qs = base + 16 + 32 * group;
                for (int l = 0; l < 32; l += Lanes.QL) {
                    ByteVector packed =
                            ByteVector.fromByteBuffer(
                                    Lanes.QB, data, qs + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector qLo = packed.and((byte) 0xF);
                    ByteVector qHi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF);
                    ((FloatVector) qLo.castShape(Lanes.QF, 0))
                            .fma(scaleLo, minLo)
                            .intoArray(out, o + l);
                    ((FloatVector) qHi.castShape(Lanes.QF, 0))
                            .fma(scaleHi, minHi)
                            .intoArray(out, o + 32 + l);
                }
            }
        }
    }
}
