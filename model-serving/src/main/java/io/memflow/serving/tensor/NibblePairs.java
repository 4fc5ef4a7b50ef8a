package io.memflow.serving.tensor;

import io.memflow.serving.kernels.Q8Activations;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The heap layout and integer dot of the 4-bit formats (Q4_0, and Q4_K's 32-element sub-blocks):
 * 32-element blocks of nibbles, with a weight value of {@code scale[b] * n - offMul * off[b]}
 * (Q4_0: {@code d * (n - 8)}, so scale = off = d and offMul = 8; Q4_K: scale = d * sc, off = dmin *
 * m, offMul = 1).
 *
 * <p>Layout: blocks are stored in pairs, 16 shorts per pair. Short j of the pair (2p, 2p + 1) holds
 * four nibbles, low to high: element j and j + 16 of block 2p, then element j and j + 16 of block
 * 2p + 1 (the last block of an odd count pairs with zeros). That is the file's Q4_0 byte j of each
 * block, the two blocks' bytes side by side. Why: one 256-bit load then carries 64 weights, and
 * each nibble group is a shift and a mask inside 16-bit lanes, lined up with 16 consecutive
 * activations; no byte-to-short cast is needed (see {@link Q8_0Tensor#dotQ8BlocksVector} for why
 * casts are avoided on JDK 17).
 */
final class NibblePairs {
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private NibblePairs() {}

    /** Shorts needed for {@code blocks} blocks. */
    static int length(int blocks) {
        return (blocks + 1) / 2 * 16;
    }

    /**
     * Stores block b given as its 16 Q4_0-order bytes ({@code bytes[j]} = element j in the low
     * nibble, element j + 16 in the high nibble).
     */
    static void put(short[] pairs, int b, byte[] bytes, int from) {
        int shift = 8 * (b & 1);
        int mask = ~(0xFF << shift);
        for (int j = 0; j < 16; j++) {
            int at = 16 * (b / 2) + j;
            pairs[at] = (short) ((pairs[at] & mask) | (bytes[from + j] & 0xFF) << shift);
        }
    }

    /** Nibble (0..15) of element e (0..31) of block b. */
    static int nibble(short[] pairs, int b, int e) {
        int s = pairs[16 * (b / 2) + (e & 15)] & 0xFFFF;
        return (s >>> (8 * (b & 1) + (e < 16 ? 0 : 4))) & 0xF;
    }

    /**
     * Scalar reference: sum over blocks [first, first + count) of the dequantized weights times the
     * quantized activations starting at block {@code xBlock}.
     */
    static float dotScalar(
            short[] pairs,
            float[] scale,
            float[] off,
            float offMul,
            int first,
            int count,
            Q8Activations x,
            int xBlock) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            sum += block(pairs, scale, off, offMul, first + b, x, xBlock + b);
        }
        return sum;
    }

    /** One block in integers: sum(n * xq) and sum(xq) exactly, then the two scales. */
    private static float block(
            short[] pairs,
            float[] scale,
            float[] off,
            float offMul,
            int b,
            Q8Activations x,
            int xb) {
        byte[] xq = x.values();
        int dot = 0; // |dot| <= 32 * 15 * 127
        int xsum = 0;
        for (int e = 0; e < 32; e++) {
            dot += nibble(pairs, b, e) * xq[32 * xb + e];
            xsum += xq[32 * xb + e];
        }
        float dx = x.scales()[xb];
        return dot * (scale[b] * dx) - offMul * off[b] * dx * xsum;
    }

    /**
     * Vector API twin of {@link #dotScalar}. Per pair of blocks: one load of 16 shorts, the four
     * nibble groups by shift and mask, each group multiplied exactly in 16 bits by 16 activations
     * (widened once, {@link Q8Activations#wide()}), two groups added per block (|sum| &lt;= 2 * 15
     * * 127), adjacent 16-bit lanes summed into 8 int lanes, converted, and fused with the block's
     * scales into one accumulator per block of the pair. The offset term {@code off * sum(x)} comes
     * from the activation block sums, one scalar multiply-add per block. A first block at an odd
     * index, or a last one without partner, runs the scalar block.
     *
     * <p>Only same-shape operations and methods of the concrete vector classes are used, for the
     * reason given in {@link Q8_0Tensor#dotQ8BlocksVector}.
     */
    static float dotVector(
            short[] pairs,
            float[] scale,
            float[] off,
            float offMul,
            int first,
            int count,
            Q8Activations x,
            int xBlock) {
        short[] xw = x.wide();
        float[] xd = x.scales();
        int[] xs = x.sums();
        int end = first + count;
        int b = first;
        float sum = 0f;
        if (b < end && (b & 1) == 1) {
            sum += block(pairs, scale, off, offMul, b, x, xBlock);
            b++;
        }
        ShortVector mask = ShortVector.broadcast(S16, (short) 0xF);
        FloatVector acc0 = FloatVector.zero(F8);
        FloatVector acc1 = FloatVector.zero(F8);
        float offsets = 0f;
        for (; b + 1 < end; b += 2) {
            int xb = (xBlock + b - first) * 32;
            ShortVector v = ShortVector.fromArray(S16, pairs, 8 * b);
            ShortVector n0 = v.lanewise(VectorOperators.AND, mask);
            ShortVector n1 =
                    v.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.AND, mask);
            ShortVector n2 =
                    v.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.AND, mask);
            ShortVector n3 = v.lanewise(VectorOperators.LSHR, 12);
            ShortVector p0 =
                    n0.lanewise(VectorOperators.MUL, ShortVector.fromArray(S16, xw, xb))
                            .lanewise(
                                    VectorOperators.ADD,
                                    n1.lanewise(
                                            VectorOperators.MUL,
                                            ShortVector.fromArray(S16, xw, xb + 16)));
            ShortVector p1 =
                    n2.lanewise(VectorOperators.MUL, ShortVector.fromArray(S16, xw, xb + 32))
                            .lanewise(
                                    VectorOperators.ADD,
                                    n3.lanewise(
                                            VectorOperators.MUL,
                                            ShortVector.fromArray(S16, xw, xb + 48)));
            IntVector t0 = (IntVector) p0.reinterpretShape(I8, 0);
            IntVector t1 = (IntVector) p1.reinterpretShape(I8, 0);
            IntVector s0 =
                    t0.lanewise(VectorOperators.LSHL, 16)
                            .lanewise(VectorOperators.ASHR, 16)
                            .lanewise(VectorOperators.ADD, t0.lanewise(VectorOperators.ASHR, 16));
            IntVector s1 =
                    t1.lanewise(VectorOperators.LSHL, 16)
                            .lanewise(VectorOperators.ASHR, 16)
                            .lanewise(VectorOperators.ADD, t1.lanewise(VectorOperators.ASHR, 16));
            int xi = xBlock + b - first;
            float d0 = xd[xi];
            float d1 = xd[xi + 1];
            acc0 =
                    ((FloatVector) s0.convertShape(VectorOperators.I2F, F8, 0))
                            .lanewise(
                                    VectorOperators.FMA,
                                    FloatVector.broadcast(F8, scale[b] * d0),
                                    acc0);
            acc1 =
                    ((FloatVector) s1.convertShape(VectorOperators.I2F, F8, 0))
                            .lanewise(
                                    VectorOperators.FMA,
                                    FloatVector.broadcast(F8, scale[b + 1] * d1),
                                    acc1);
            offsets += off[b] * d0 * xs[xi] + off[b + 1] * d1 * xs[xi + 1];
        }
        sum += acc0.lanewise(VectorOperators.ADD, acc1).reduceLanes(VectorOperators.ADD);
        sum -= offMul * offsets;
        if (b < end) {
            sum += block(pairs, scale, off, offMul, b, x, xBlock + b - first);
        }
        return sum;
    }
}
