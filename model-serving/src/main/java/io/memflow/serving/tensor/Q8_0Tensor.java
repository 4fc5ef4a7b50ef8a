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
 * Q8_0: blocks of 32 elements, 34 bytes each in the file: an f16 scale d, then 32 signed bytes q.
 * Element value = d * q.
 *
 * <p>Unlike the other formats, the weights are copied at load into two heap arrays (the bytes and
 * the scales as floats, 1.125 bytes per weight instead of 1.0625). Why: on JDK 17 the Vector API
 * loads from a heap array compile to plain vector loads, while loads from a mapped {@code
 * ByteBuffer} carry bounds and liveness checks; measured on the AVX2 benchmark machine, the integer
 * dot below runs about 2.5x faster from arrays (see docs/BENCHMARKS.md, issue 15). The cost is heap
 * equal to the file's tensor bytes.
 */
public final class Q8_0Tensor extends FloatTensor {
    static final int BLOCK = 32;
    static final int BYTES = 34;

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private final byte[] qs; // (size) the weights' bytes, block b at [32b, 32b + 32)
    private final float[] scales; // (size / 32) block scales

    public Q8_0Tensor(ByteBuffer data, int size) {
        super(data, size);
        int blocks = size / BLOCK;
        this.qs = new byte[size];
        this.scales = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            scales[b] = f16(b * BYTES);
            this.data.get(b * BYTES + 2, qs, b * BLOCK, BLOCK);
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public long bytesRead() {
        return qs.length + (long) scales.length * Float.BYTES;
    }

    @Override
    public float getFloat(int index) {
        return scales[index / BLOCK] * qs[index];
    }

    @Override
    protected float dotBlocksScalar(int first, int count, float[] x, int xOffset) {
        float sum = 0f;
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BLOCK;
            int xb = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += qs[base + j] * x[xb + j];
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
        // Two partial sums per block break the fma dependency chain: the loop is bound by
        // loads and byte-to-float conversions, not by fma latency.
        FloatVector acc = FloatVector.zero(Lanes.QF);
        for (int b = 0; b < count; b++) {
            int base = (first + b) * BLOCK;
            int xb = xOffset + b * BLOCK;
            FloatVector even = FloatVector.zero(Lanes.QF);
            FloatVector odd = FloatVector.zero(Lanes.QF);
            for (int j = 0; j < BLOCK; j += 2 * Lanes.QL) {
                // loads and casts written out: a vector returned from a helper that C2 did not
                // inline is boxed, which costs more than the arithmetic
                ByteVector q0 = ByteVector.fromArray(Lanes.QB, qs, base + j);
                ByteVector q1 = ByteVector.fromArray(Lanes.QB, qs, base + j + Lanes.QL);
                FloatVector w0 = (FloatVector) q0.castShape(Lanes.QF, 0);
                FloatVector w1 = (FloatVector) q1.castShape(Lanes.QF, 0);
                even = w0.fma(FloatVector.fromArray(Lanes.QF, x, xb + j), even);
                odd = w1.fma(FloatVector.fromArray(Lanes.QF, x, xb + j + Lanes.QL), odd);
            }
            acc = even.add(odd).fma(FloatVector.broadcast(Lanes.QF, scales[first + b]), acc);
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
            int w = (first + b) * BLOCK;
            int xb = (xBlock + b) * BLOCK;
            int blockSum = 0; // exact: |sum| <= 32 * 128 * 127
            for (int j = 0; j < BLOCK; j++) {
                blockSum += qs[w + j] * xq[xb + j];
            }
            sum += blockSum * (scales[first + b] * xd[xBlock + b]);
        }
        return sum;
    }

    /**
     * Per block: 2 x 16 weight bytes and 2 x 16 activation bytes widened to 16-bit lanes
     * (vpmovsxbw), multiplied exactly in 16 bits (|w * x| &lt;= 128 * 127), the two halves added
     * (still below 2^15), then adjacent 16-bit pairs summed into 8 int lanes by reading the shorts
     * as ints and adding their sign-extended halves (the Vector API on JDK 17 has no pmaddwd). One
     * int-to-float conversion and one fma with the block's two scales finish the block.
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
            int w = (first + b) * BLOCK;
            int xb = (xBlock + b) * BLOCK;
            ShortVector w0 = (ShortVector) ByteVector.fromArray(B16, qs, w).castShape(S16, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromArray(B16, qs, w + 16).castShape(S16, 0);
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
            int base = (first + b) * BLOCK;
            float d = scales[first + b];
            for (int j = 0; j < BLOCK; j++) {
                out[outOffset + b * BLOCK + j] = d * qs[base + j];
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
            int base = (first + b) * BLOCK;
            float d = scales[first + b];
            for (int j = 0; j < BLOCK; j += Lanes.QL) {
                ByteVector q = ByteVector.fromArray(Lanes.QB, qs, base + j);
                ((FloatVector) q.castShape(Lanes.QF, 0))
                        .mul(d)
                        .intoArray(out, outOffset + b * BLOCK + j);
            }
        }
    }
}
