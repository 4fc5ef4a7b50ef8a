package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Lanes;
import io.memflow.serving.kernels.Q8Activations;
import java.nio.ByteBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0: blocks of 32 elements, 34 bytes each in the file: an f16 scale d, then 32 signed bytes q.
 * Element value = d * q.
 *
 * <p>Unlike the other formats, the weights are copied at load into two heap arrays (1.125 bytes per
 * weight instead of 1.0625): the block scales as floats, and the bytes repacked in pairs into
 * shorts, short j of a block holding element j in its low byte and element j + 16 in its high byte.
 * Why heap arrays: on JDK 17 the Vector API loads from a heap array compile to plain vector loads,
 * while loads from a mapped {@code ByteBuffer} carry bounds and liveness checks. Why the pairs: the
 * integer kernel loads 16 shorts (all 32 weights of a block) and sign-extends both halves with two
 * shifts inside the 16-bit lanes, so it needs no byte-to-short cast. Shape-changing casts are what
 * made this kernel bimodal on JDK 17 (see {@link #dotQ8BlocksVector}).
 */
public final class Q8_0Tensor extends FloatTensor {
    static final int BLOCK = 32;
    static final int BYTES = 34;

    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private final short[] pairs; // (size / 2) block b at [16b, 16b + 16): q[j] | q[j + 16] << 8
    private final float[] scales; // (size / 32) block scales

    public Q8_0Tensor(ByteBuffer data, int size) {
        super(data, size);
        int blocks = size / BLOCK;
        this.pairs = new short[size / 2];
        this.scales = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            scales[b] = f16(b * BYTES);
            int q = b * BYTES + 2;
            for (int j = 0; j < 16; j++) {
                int lo = this.data.get(q + j) & 0xFF;
                int hi = this.data.get(q + j + 16);
                pairs[16 * b + j] = (short) (lo | hi << 8);
            }
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public long bytesRead() {
        return 2L * pairs.length + (long) scales.length * Float.BYTES;
    }

    /** Weight byte j (0..31) of block b. */
    private byte q(int b, int j) {
        short p = pairs[16 * b + (j & 15)];
        return (byte) (j < 16 ? p : p >> 8);
    }

    @Override
    public float getFloat(int index) {
        return scales[index / BLOCK] * q(index / BLOCK, index % BLOCK);
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int xb = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += q(first + b, j) * x[xb + j];
            }
            sum += scales[first + b] * blockSum;
        }
        return sum;
    }

    /**
     * The float-activation twin (the reference the integer path is measured against; not on the hot
     * path): per block, both halves of the 16 pairs sign-extended in 16-bit lanes, converted to
     * floats 8 lanes at a time and fused into two partial sums.
     */
    @Override
    protected float dotBlocksVector(int first, int count, float[] x, int xOffset) {
        if (!Lanes.usable()) {
            return dotBlocksScalar(first, count, x, xOffset);
        }
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < count; b++) {
            int xb = xOffset + b * BLOCK;
            ShortVector p = ShortVector.fromArray(S16, pairs, 16 * (first + b));
            ShortVector lo = p.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector hi = p.lanewise(VectorOperators.ASHR, 8);
            FloatVector w0 = (FloatVector) lo.convertShape(VectorOperators.S2F, F8, 0);
            FloatVector w1 = (FloatVector) lo.convertShape(VectorOperators.S2F, F8, 1);
            FloatVector w2 = (FloatVector) hi.convertShape(VectorOperators.S2F, F8, 0);
            FloatVector w3 = (FloatVector) hi.convertShape(VectorOperators.S2F, F8, 1);
            FloatVector even =
                    w0.lanewise(
                            VectorOperators.FMA,
                            FloatVector.fromArray(F8, x, xb),
                            w2.lanewise(
                                    VectorOperators.MUL, FloatVector.fromArray(F8, x, xb + 16)));
            FloatVector odd =
                    w1.lanewise(
                            VectorOperators.FMA,
                            FloatVector.fromArray(F8, x, xb + 8),
                            w3.lanewise(
                                    VectorOperators.MUL, FloatVector.fromArray(F8, x, xb + 24)));
            acc =
                    even.lanewise(VectorOperators.ADD, odd)
                            .lanewise(
                                    VectorOperators.FMA,
                                    FloatVector.broadcast(F8, scales[first + b]),
                                    acc);
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
            int xb = (xBlock + b) * BLOCK;
            int blockSum = 0; // exact: |sum| <= 32 * 128 * 127
            for (int j = 0; j < BLOCK; j++) {
                blockSum += q(first + b, j) * xq[xb + j];
            }
            sum += blockSum * (scales[first + b] * xd[xBlock + b]);
        }
        return sum;
    }

    /**
     * Per block: the 16 weight pairs loaded as 16-bit lanes and split into elements 0..15 (low
     * bytes, sign-extended by a left and an arithmetic right shift) and 16..31 (high bytes, one
     * arithmetic shift); each half multiplied exactly in 16 bits by the activations already widened
     * to shorts ({@link Q8Activations#wide()}), the two products added (|sum| &lt;= 2 * 128 * 127
     * &lt; 2^15); adjacent 16-bit lanes summed into 8 int lanes (read as ints, sign-extend both
     * halves, add; JDK 17's Vector API has no pmaddwd); one int-to-float conversion and one fma
     * with the two blocks' scales.
     *
     * <p>Why only same-shape operations and methods of the concrete vector classes ({@code
     * lanewise}, {@code reinterpretShape}, {@code convertShape}) rather than {@code castShape},
     * {@code convert}, {@code mul} or {@code fma}: those are final methods of the Vector API's
     * abstract classes, which dispatch internally through one call site shared by every caller in
     * the JVM. Once other kernels have sent a third vector shape through it, C2 sees a megamorphic
     * site, cannot prove the shape, and compiles the Java fallback (allocating, lane by lane): the
     * same code ran at 0.7 or 20 GMAC/s depending on warm-up order (docs/BENCHMARKS.md, issue 15).
     * Methods called here on the concrete class are profiled at this call site alone.
     */
    @Override
    protected float dotQ8BlocksVector(int first, int count, Q8Activations x, int xBlock) {
        if (!Lanes.usable()) {
            return dotQ8BlocksScalar(first, count, x, xBlock);
        }
        short[] xw = x.wide();
        float[] xd = x.scales();
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < count; b++) {
            int xb = (xBlock + b) * BLOCK;
            ShortVector p = ShortVector.fromArray(S16, pairs, 16 * (first + b));
            ShortVector lo = p.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector hi = p.lanewise(VectorOperators.ASHR, 8);
            ShortVector x0 = ShortVector.fromArray(S16, xw, xb);
            ShortVector x1 = ShortVector.fromArray(S16, xw, xb + 16);
            ShortVector prod =
                    lo.lanewise(VectorOperators.MUL, x0)
                            .lanewise(VectorOperators.ADD, hi.lanewise(VectorOperators.MUL, x1));
            IntVector twin = (IntVector) prod.reinterpretShape(I8, 0);
            IntVector sums =
                    twin.lanewise(VectorOperators.LSHL, 16)
                            .lanewise(VectorOperators.ASHR, 16)
                            .lanewise(VectorOperators.ADD, twin.lanewise(VectorOperators.ASHR, 16));
            FloatVector f = (FloatVector) sums.convertShape(VectorOperators.I2F, F8, 0);
            float scale = scales[first + b] * xd[xBlock + b];
            acc = f.lanewise(VectorOperators.FMA, FloatVector.broadcast(F8, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dequantizeBlocks(int first, int count, float[] out, int outOffset) {
        for (int b = 0; b < count; b++) {
            float d = scales[first + b];
            for (int j = 0; j < BLOCK; j++) {
                out[outOffset + b * BLOCK + j] = d * q(first + b, j);
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
            int o = outOffset + b * BLOCK;
            FloatVector d = FloatVector.broadcast(F8, scales[first + b]);
            ShortVector p = ShortVector.fromArray(S16, pairs, 16 * (first + b));
            ShortVector lo = p.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector hi = p.lanewise(VectorOperators.ASHR, 8);
            ((FloatVector) lo.convertShape(VectorOperators.S2F, F8, 0))
                    .lanewise(VectorOperators.MUL, d)
                    .intoArray(out, o);
            ((FloatVector) lo.convertShape(VectorOperators.S2F, F8, 1))
                    .lanewise(VectorOperators.MUL, d)
                    .intoArray(out, o + 8);
            ((FloatVector) hi.convertShape(VectorOperators.S2F, F8, 0))
                    .lanewise(VectorOperators.MUL, d)
                    .intoArray(out, o + 16);
            ((FloatVector) hi.convertShape(VectorOperators.S2F, F8, 1))
                    .lanewise(VectorOperators.MUL, d)
                    .intoArray(out, o + 24);
        }
    }
}
