package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import io.memflow.serving.kernels.Q8Activations;
import java.nio.ByteBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: blocks of 32 elements, 18 bytes each in the file: an f16 scale d, then 16 bytes of 4-bit
 * values. Byte j holds element j in its low nibble and element j + 16 in its high nibble; element
 * value = d * (nibble - 8).
 *
 * <p>Copied at load into heap arrays (nibbles in the {@link NibblePairs} layout, float scales), for
 * the reason given in {@link Q8_0Tensor}: Vector API loads from heap arrays are much cheaper on JDK
 * 17 than from a mapped buffer.
 */
public final class Q4_0Tensor extends FloatTensor {
    static final int BLOCK = 32;
    static final int BYTES = 18;

    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private final short[] pairs; // (NibblePairs.length(size / 32)) see NibblePairs
    private final float[] scales; // (size / 32) block scales

    public Q4_0Tensor(ByteBuffer data, int size) {
        super(data, size);
        int blocks = size / BLOCK;
        this.pairs = new short[NibblePairs.length(blocks)];
        this.scales = new float[blocks];
        byte[] block = new byte[16];
        for (int b = 0; b < blocks; b++) {
            scales[b] = f16(b * BYTES);
            this.data.get(b * BYTES + 2, block, 0, 16);
            NibblePairs.put(pairs, b, block, 0);
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public long bytesRead() {
        return 2L * pairs.length + (long) scales.length * Float.BYTES;
    }

    @Override
    public float getFloat(int index) {
        int b = index / BLOCK;
        return scales[b] * (NibblePairs.nibble(pairs, b, index % BLOCK) - 8);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int xb = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += (NibblePairs.nibble(pairs, first + b, j) - 8) * x[xb + j];
            }
            sum += scales[first + b] * blockSum;
        }
        return sum;
    }

    /**
     * The float-activation twin (the reference the integer path is measured against; not on the hot
     * path): the block's 16 shorts, its two nibble groups re-centred in 16-bit lanes, converted to
     * floats 8 lanes at a time.
     */
    @Override
    protected float dotBlocksVector(int first, int count, float[] x, int xOffset) {
        if (!Lanes.usable()) {
            return dotBlocksScalar(first, count, x, xOffset);
        }
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < count; b++) {
            int xb = xOffset + b * BLOCK;
            ShortVector lo = low(first + b);
            ShortVector hi = high(first + b);
            FloatVector even =
                    part(lo, 0)
                            .lanewise(
                                    VectorOperators.FMA,
                                    FloatVector.fromArray(F8, x, xb),
                                    part(hi, 0)
                                            .lanewise(
                                                    VectorOperators.MUL,
                                                    FloatVector.fromArray(F8, x, xb + 16)));
            FloatVector odd =
                    part(lo, 1)
                            .lanewise(
                                    VectorOperators.FMA,
                                    FloatVector.fromArray(F8, x, xb + 8),
                                    part(hi, 1)
                                            .lanewise(
                                                    VectorOperators.MUL,
                                                    FloatVector.fromArray(F8, x, xb + 24)));
            acc =
                    even.lanewise(VectorOperators.ADD, odd)
                            .lanewise(
                                    VectorOperators.FMA,
                                    FloatVector.broadcast(F8, scales[first + b]),
                                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Elements 0..15 of block b, re-centred to -8..7, in 16-bit lanes. */
    private ShortVector low(int b) {
        ShortVector v = ShortVector.fromArray(S16, pairs, 16 * (b / 2));
        return v.lanewise(VectorOperators.LSHR, 8 * (b & 1))
                .lanewise(VectorOperators.AND, ShortVector.broadcast(S16, (short) 0xF))
                .lanewise(VectorOperators.SUB, ShortVector.broadcast(S16, (short) 8));
    }

    /** Elements 16..31 of block b, re-centred to -8..7, in 16-bit lanes. */
    private ShortVector high(int b) {
        ShortVector v = ShortVector.fromArray(S16, pairs, 16 * (b / 2));
        return v.lanewise(VectorOperators.LSHR, 8 * (b & 1) + 4)
                .lanewise(VectorOperators.AND, ShortVector.broadcast(S16, (short) 0xF))
                .lanewise(VectorOperators.SUB, ShortVector.broadcast(S16, (short) 8));
    }

    /** Lanes [8 part, 8 part + 8) as floats. */
    private static FloatVector part(ShortVector v, int part) {
        return (FloatVector) v.convertShape(VectorOperators.S2F, F8, part);
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    @Override
    protected float dotQ8BlocksScalar(int first, int count, Q8Activations x, int xBlock) {
        return NibblePairs.dotScalar(pairs, scales, scales, 8f, first, count, x, xBlock);
    }

    /** See {@link NibblePairs#dotVector}: d * (n - 8) as scale d, offset 8 * d. */
    @Override
    protected float dotQ8BlocksVector(int first, int count, Q8Activations x, int xBlock) {
        if (!Lanes.usable()) {
            return dotQ8BlocksScalar(first, count, x, xBlock);
        }
        return NibblePairs.dotVector(pairs, scales, scales, 8f, first, count, x, xBlock);
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int b = 0; b < count; b++) {
            float d = scales[first + b];
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < BLOCK; j++) {
                out[o + j] = d * (NibblePairs.nibble(pairs, first + b, j) - 8);
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
            FloatVector d = FloatVector.broadcast(F8, scales[first + b]);
            int o = outOffset + b * BLOCK;
            ShortVector lo = low(first + b);
            ShortVector hi = high(first + b);
            part(lo, 0).lanewise(VectorOperators.MUL, d).intoArray(out, o);
            part(lo, 1).lanewise(VectorOperators.MUL, d).intoArray(out, o + 8);
            part(hi, 0).lanewise(VectorOperators.MUL, d).intoArray(out, o + 16);
            part(hi, 1).lanewise(VectorOperators.MUL, d).intoArray(out, o + 24);
        }
    }
}
