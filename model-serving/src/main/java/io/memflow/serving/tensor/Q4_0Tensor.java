package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import io.memflow.serving.kernels.Q8Activations;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: blocks of 32 elements, 18 bytes each in the file: an f16 scale d, then 16 bytes of 4-bit
 * values. Byte j holds element j in its low nibble and element j + 16 in its high nibble; element
 * value = d * (nibble - 8).
 *
 * <p>Copied at load into heap arrays (packed nibbles, float scales), for the reason given in {@link
 * Q8_0Tensor}: Vector API loads from heap arrays are much cheaper on JDK 17 than from a mapped
 * buffer.
 */
public final class Q4_0Tensor extends FloatTensor {
    static final int BLOCK = 32;
    static final int BYTES = 18;

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private final byte[] packed; // (size / 2) block b at [16b, 16b + 16), as in the file
    private final float[] scales; // (size / 32) block scales

    public Q4_0Tensor(ByteBuffer data, int size) {
        super(data, size);
        int blocks = size / BLOCK;
        this.packed = new byte[size / 2];
        this.scales = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            scales[b] = f16(b * BYTES);
            this.data.get(b * BYTES + 2, packed, b * 16, 16);
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public long bytesRead() {
        return packed.length + (long) scales.length * Float.BYTES;
    }

    @Override
    public float getFloat(int index) {
        int j = index % BLOCK;
        int p = packed[index / BLOCK * 16 + (j & 15)] & 0xFF;
        int q = j < 16 ? p & 0xF : p >>> 4;
        return scales[index / BLOCK] * (q - 8);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int base = (first + b) * 16;
            int xb = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < 16; j++) {
                int p = packed[base + j] & 0xFF;
                blockSum += ((p & 0xF) - 8) * x[xb + j];
                blockSum += ((p >>> 4) - 8) * x[xb + j + 16];
            }
            sum += scales[first + b] * blockSum;
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
            int base = (first + b) * 16;
            int xb = xOffset + b * BLOCK;
            FloatVector lowAcc = FloatVector.zero(Lanes.QF); // two chains hide fma latency
            FloatVector highAcc = FloatVector.zero(Lanes.QF);
            for (int j = 0; j < 16; j += Lanes.QL) {
                ByteVector p = ByteVector.fromArray(Lanes.QB, packed, base + j);
                ByteVector lo = p.and((byte) 0xF).sub((byte) 8);
                ByteVector hi = p.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8);
                FloatVector wl = (FloatVector) lo.castShape(Lanes.QF, 0);
                FloatVector wh = (FloatVector) hi.castShape(Lanes.QF, 0);
                lowAcc = wl.fma(FloatVector.fromArray(Lanes.QF, x, xb + j), lowAcc);
                highAcc = wh.fma(FloatVector.fromArray(Lanes.QF, x, xb + j + 16), highAcc);
            }
            acc = lowAcc.add(highAcc).fma(FloatVector.broadcast(Lanes.QF, scales[first + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    @Override
    protected float dotQ8BlocksScalar(int first, int count, Q8Activations x, int xBlock) {
        byte[] xq = x.values();
        float[] xd = x.scales();
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int base = (first + b) * 16;
            int xb = (xBlock + b) * BLOCK;
            int blockSum = 0;
            for (int j = 0; j < 16; j++) {
                int p = packed[base + j] & 0xFF;
                blockSum += ((p & 0xF) - 8) * xq[xb + j];
                blockSum += ((p >>> 4) - 8) * xq[xb + j + 16];
            }
            sum += blockSum * (scales[first + b] * xd[xBlock + b]);
        }
        return sum;
    }

    /**
     * As {@link Q8_0Tensor#dotQ8BlocksVector}, with the 16 packed bytes widened to 16-bit lanes and
     * split into low nibbles (elements 0..15) and high nibbles (16..31), re-centred to -8..7.
     */
    @Override
    protected float dotQ8BlocksVector(int first, int count, Q8Activations x, int xBlock) {
        if (!Lanes.usable()) {
            return dotQ8BlocksScalar(first, count, x, xBlock);
        }
        byte[] xq = x.values();
        float[] xd = x.scales();
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < count; b++) {
            int xb = (xBlock + b) * BLOCK;
            // widen first, then split: x86 has no byte shifts, 16-bit ones (vpsraw) are cheap;
            // the sign extension of the packed byte is masked away with the nibble
            ShortVector p =
                    (ShortVector)
                            ByteVector.fromArray(B16, packed, (first + b) * 16).castShape(S16, 0);
            ShortVector w0 = p.and((short) 0xF).sub((short) 8);
            ShortVector w1 = p.lanewise(VectorOperators.ASHR, 4).and((short) 0xF).sub((short) 8);
            ShortVector x0 = (ShortVector) ByteVector.fromArray(B16, xq, xb).castShape(S16, 0);
            ShortVector x1 = (ShortVector) ByteVector.fromArray(B16, xq, xb + 16).castShape(S16, 0);
            IntVector pairs = w0.mul(x0).add(w1.mul(x1)).reinterpretAsInts();
            IntVector sums =
                    pairs.lanewise(VectorOperators.LSHL, 16)
                            .lanewise(VectorOperators.ASHR, 16)
                            .add(pairs.lanewise(VectorOperators.ASHR, 16));
            float scale = scales[first + b] * xd[xBlock + b];
            acc =
                    ((FloatVector) sums.convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F8, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int b = 0; b < count; b++) {
            int base = (first + b) * 16;
            float d = scales[first + b];
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int p = packed[base + j] & 0xFF;
                out[o + j] = d * ((p & 0xF) - 8);
                out[o + j + 16] = d * ((p >>> 4) - 8);
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
            int base = (first + b) * 16;
            float d = scales[first + b];
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j += Lanes.QL) {
                ByteVector p = ByteVector.fromArray(Lanes.QB, packed, base + j);
                ByteVector lo = p.and((byte) 0xF).sub((byte) 8);
                ByteVector hi = p.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8);
                ((FloatVector) lo.castShape(Lanes.QF, 0)).mul(d).intoArray(out, o + j);
                ((FloatVector) hi.castShape(Lanes.QF, 0)).mul(d).intoArray(out, o + j + 16);
            }
        }
    }
}
