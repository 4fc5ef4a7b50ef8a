package io.memflow.serving.kernels;

/**
 * One activation vector quantized to 8 bits in blocks of {@link #BLOCK}, as llama.cpp quantizes
 * activations before its integer dot products: block b holds {@code q[32b .. 32b+32)} and a float
 * scale {@code d[b]} with {@code x ≈ d * q}, {@code d = max|x| / 127}, {@code q} in [-127, 127].
 *
 * <p>Why: a quantized weight row dotted with float activations widens every int8 (or int4) weight
 * to a float before the multiply, which makes Q8_0 decode compute-bound. With both sides in 8 bits
 * the products are exact 16-bit integers, summed exactly in 32-bit lanes, and each block's sum is
 * scaled once. The price is the activation's rounding error (at most d/2 per element), which is
 * what llama.cpp pays too.
 *
 * <p>Rounding is half away from zero, {@code (int) (v + copySign(0.5f, v))}. The scalar and vector
 * forward passes quantize with this same code, so their integer dots see identical bytes and scales
 * and differ only by float summation order.
 *
 * <p>Reused across tokens: {@link #quantize} overwrites; nothing is allocated on the token path.
 */
public final class Q8Activations {
    public static final int BLOCK = 32;

    private final byte[] q; // (capacity) quantized values
    private final short[] wide; // (capacity) the same values as 16-bit integers
    private final float[] d; // (capacity / BLOCK) scale of each block
    private final int[] sums; // (capacity / BLOCK) sum of each block's quantized values

    /** Room for {@code capacity} values, a multiple of {@link #BLOCK}. */
    public Q8Activations(int capacity) {
        if (capacity % BLOCK != 0 || capacity < 0) {
            throw new IllegalArgumentException(
                    "capacity must be a non-negative multiple of " + BLOCK + ", got " + capacity);
        }
        this.q = new byte[capacity];
        this.wide = new short[capacity];
        this.d = new float[capacity / BLOCK];
        this.sums = new int[capacity / BLOCK];
    }

    public int capacity() {
        return q.length;
    }

    /** Quantized values; element i of the vector is {@code scales()[i / 32] * values()[i]}. */
    public byte[] values() {
        return q;
    }

    /**
     * {@link #values()} widened to 16 bits, element for element. Why: the Vector API kernels
     * multiply in 16-bit lanes, and widening bytes to shorts inside a kernel needs a shape-changing
     * cast, which on JDK 17 compiles to vector instructions or to a slow Java fallback depending on
     * type profiles shared by the whole JVM (docs/BENCHMARKS.md, issue 15). Widening once per input
     * vector here costs a few hundred stores; the kernels then only load shorts.
     */
    public short[] wide() {
        return wide;
    }

    public float[] scales() {
        return d;
    }

    /**
     * Sum of each block's quantized values: formats with a per-block offset (Q4_K's min) need
     * {@code sum(x)} per block, which is {@code scales()[b] * sums()[b]}.
     */
    public int[] sums() {
        return sums;
    }

    /**
     * Quantizes x[xOffset .. xOffset + n) (n a multiple of 32).
     *
     * <p>Scalar only, deliberately: a Vector API twin (abs/max reduction, round, F2I, narrowing
     * cast to bytes) measured 1.4-1.8x slower than this loop on JDK 17 / AVX2, because the
     * float-to-byte conversions are not intrinsified there and fall back to Java code. The cost is
     * small either way (about 2 ns per element, once per input vector, versus one row of integer
     * dots per output element).
     */
    public void quantize(float[] x, int xOffset, int n) {
        check(n);
        for (int b = 0; b < n / BLOCK; b++) {
            int from = xOffset + b * BLOCK;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[from + j]));
            }
            float scale = amax / 127f;
            float inv = amax == 0f ? 0f : 127f / amax;
            d[b] = scale;
            int sum = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = x[from + j] * inv;
                int r = (int) (v + Math.copySign(0.5f, v));
                q[b * BLOCK + j] = (byte) r;
                wide[b * BLOCK + j] = (short) r;
                sum += r;
            }
            sums[b] = sum;
        }
    }

    private void check(int n) {
        if (n % BLOCK != 0 || n < 0 || n > q.length) {
            throw new IllegalArgumentException(
                    "need a multiple of " + BLOCK + " values up to " + q.length + ", got " + n);
        }
    }
}
