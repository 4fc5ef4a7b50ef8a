package io.memflow.serving.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vector API twins of {@link ScalarKernels}. */
public final class VectorKernels {
    private VectorKernels() {}

    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        // two accumulators: consecutive fmas do not wait on each other's latency
        FloatVector acc0 = FloatVector.zero(Lanes.F);
        FloatVector acc1 = FloatVector.zero(Lanes.F);
        int upper2 = n - n % (2 * Lanes.L);
        int i = 0;
        for (; i < upper2; i += 2 * Lanes.L) {
            FloatVector a0 = FloatVector.fromArray(Lanes.F, a, aOffset + i);
            FloatVector a1 = FloatVector.fromArray(Lanes.F, a, aOffset + i + Lanes.L);
            acc0 = a0.fma(FloatVector.fromArray(Lanes.F, b, bOffset + i), acc0);
            acc1 = a1.fma(FloatVector.fromArray(Lanes.F, b, bOffset + i + Lanes.L), acc1);
        }
        if (i + Lanes.L <= n) {
            FloatVector a0 = FloatVector.fromArray(Lanes.F, a, aOffset + i);
            acc0 = a0.fma(FloatVector.fromArray(Lanes.F, b, bOffset + i), acc0);
            i += Lanes.L;
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /**
     * Vector twin of {@link ScalarKernels#dots}: four rows per pass (register blocking), so each
     * vector of {@code a} is loaded once for four rows and four independent fma chains are in
     * flight. For attention scores: a query head against many cached keys, which sit in cache,
     * where the per-row call of {@link #dot} and its reduction cost more than the arithmetic.
     * Leftover rows run the same operations one at a time, so a row's value does not depend on its
     * group.
     */
    public static void dots(
            float[] a,
            int aOffset,
            float[] b,
            int bOffset,
            int stride,
            int rows,
            int n,
            float scale,
            float[] out,
            int outOffset) {
        int upper = Lanes.F.loopBound(n);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int o0 = bOffset + r * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            FloatVector a0 = FloatVector.zero(Lanes.F);
            FloatVector a1 = FloatVector.zero(Lanes.F);
            FloatVector a2 = FloatVector.zero(Lanes.F);
            FloatVector a3 = FloatVector.zero(Lanes.F);
            int i = 0;
            for (; i < upper; i += Lanes.L) {
                FloatVector av = FloatVector.fromArray(Lanes.F, a, aOffset + i);
                a0 = FloatVector.fromArray(Lanes.F, b, o0 + i).fma(av, a0);
                a1 = FloatVector.fromArray(Lanes.F, b, o1 + i).fma(av, a1);
                a2 = FloatVector.fromArray(Lanes.F, b, o2 + i).fma(av, a2);
                a3 = FloatVector.fromArray(Lanes.F, b, o3 + i).fma(av, a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            float s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD);
            float s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) {
                float ai = a[aOffset + i];
                s0 += b[o0 + i] * ai;
                s1 += b[o1 + i] * ai;
                s2 += b[o2 + i] * ai;
                s3 += b[o3 + i] * ai;
            }
            int o = outOffset + r;
            out[o] = s0 * scale;
            out[o + 1] = s1 * scale;
            out[o + 2] = s2 * scale;
            out[o + 3] = s3 * scale;
        }
        for (; r < rows; r++) {
            int o0 = bOffset + r * stride;
            FloatVector a0 = FloatVector.zero(Lanes.F);
            int i = 0;
            for (; i < upper; i += Lanes.L) {
                FloatVector av = FloatVector.fromArray(Lanes.F, a, aOffset + i);
                a0 = FloatVector.fromArray(Lanes.F, b, o0 + i).fma(av, a0);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) {
                s0 += b[o0 + i] * a[aOffset + i];
            }
            out[outOffset + r] = s0 * scale;
        }
    }

    public static void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int n) {
        int upper = Lanes.F.loopBound(n);
        int i = 0;
        for (; i < upper; i += Lanes.L) {
            FloatVector vx = FloatVector.fromArray(Lanes.F, x, xOffset + i);
            FloatVector vy = FloatVector.fromArray(Lanes.F, y, yOffset + i);
            vx.fma(FloatVector.broadcast(Lanes.F, a), vy).intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] += a * x[xOffset + i];
        }
    }

    /**
     * Vector twin of {@link ScalarKernels#weightedSum}. Why not one {@link #axpy} per slot: that
     * loads and stores the whole output row once per cached entry, a store-to-load chain through
     * memory; here the output is cut into chunks of four vectors that stay in registers while every
     * slot is added, and each chunk is stored once.
     */
    public static void weightedSum(
            float[] weights,
            int slots,
            float[] v,
            int vOffset,
            int stride,
            float[] out,
            int outOffset,
            int n) {
        int chunk = 4 * Lanes.L;
        int i = 0;
        for (; i + chunk <= n; i += chunk) {
            FloatVector a0 = FloatVector.zero(Lanes.F);
            FloatVector a1 = FloatVector.zero(Lanes.F);
            FloatVector a2 = FloatVector.zero(Lanes.F);
            FloatVector a3 = FloatVector.zero(Lanes.F);
            for (int s = 0; s < slots; s++) {
                FloatVector w = FloatVector.broadcast(Lanes.F, weights[s]);
                int at = vOffset + s * stride + i;
                a0 = FloatVector.fromArray(Lanes.F, v, at).fma(w, a0);
                a1 = FloatVector.fromArray(Lanes.F, v, at + Lanes.L).fma(w, a1);
                a2 = FloatVector.fromArray(Lanes.F, v, at + 2 * Lanes.L).fma(w, a2);
                a3 = FloatVector.fromArray(Lanes.F, v, at + 3 * Lanes.L).fma(w, a3);
            }
            a0.intoArray(out, outOffset + i);
            a1.intoArray(out, outOffset + i + Lanes.L);
            a2.intoArray(out, outOffset + i + 2 * Lanes.L);
            a3.intoArray(out, outOffset + i + 3 * Lanes.L);
        }
        for (; i + Lanes.L <= n; i += Lanes.L) { // narrow heads (stories260K: 8 floats)
            FloatVector a0 = FloatVector.zero(Lanes.F);
            for (int s = 0; s < slots; s++) {
                FloatVector w = FloatVector.broadcast(Lanes.F, weights[s]);
                a0 = FloatVector.fromArray(Lanes.F, v, vOffset + s * stride + i).fma(w, a0);
            }
            a0.intoArray(out, outOffset + i);
        }
        for (; i < n; i++) { // a tail narrower than a vector: the reference loop
            float sum = 0f;
            for (int s = 0; s < slots; s++) {
                sum += weights[s] * v[vOffset + s * stride + i];
            }
            out[outOffset + i] = sum;
        }
    }

    /**
     * Vector twin of {@link ScalarKernels#softmax}. Why: attention runs one softmax per head and
     * cached entry, about 37,000 exponentials per token for stories110M at 256 positions; the
     * Vector API's {@code EXP} compiles to a short-vector exponential (1.5-2 ns per element on this
     * project's benchmark host against 6-9 ns for {@code Math.exp}, docs/BENCHMARKS.md issue 15).
     * Results differ from the scalar loop only in the last bits and the summation order.
     */
    public static void softmax(float[] x, int offset, int n) {
        int upper = Lanes.F.loopBound(n);
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (upper > 0) {
            FloatVector m = FloatVector.fromArray(Lanes.F, x, offset);
            for (i = Lanes.L; i < upper; i += Lanes.L) {
                m = m.lanewise(VectorOperators.MAX, FloatVector.fromArray(Lanes.F, x, offset + i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        FloatVector vmax = FloatVector.broadcast(Lanes.F, max);
        FloatVector vsum = FloatVector.zero(Lanes.F);
        for (i = 0; i < upper; i += Lanes.L) {
            FloatVector e =
                    FloatVector.fromArray(Lanes.F, x, offset + i)
                            .lanewise(VectorOperators.SUB, vmax)
                            .lanewise(VectorOperators.EXP);
            e.intoArray(x, offset + i);
            vsum = vsum.lanewise(VectorOperators.ADD, e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            x[offset + i] = (float) Math.exp(x[offset + i] - max);
            sum += x[offset + i];
        }
        FloatVector inv = FloatVector.broadcast(Lanes.F, 1f / sum);
        for (i = 0; i < upper; i += Lanes.L) {
            FloatVector.fromArray(Lanes.F, x, offset + i)
                    .lanewise(VectorOperators.MUL, inv)
                    .intoArray(x, offset + i);
        }
        float invSum = 1f / sum;
        for (; i < n; i++) {
            x[offset + i] *= invSum;
        }
    }

    /** Vector twin of {@link ScalarKernels#swiglu}, with the vector exponential (see softmax). */
    public static void swiglu(float[] gate, float[] up, int n) {
        int upper = Lanes.F.loopBound(n);
        FloatVector one = FloatVector.broadcast(Lanes.F, 1f);
        int i = 0;
        for (; i < upper; i += Lanes.L) {
            FloatVector g = FloatVector.fromArray(Lanes.F, gate, i);
            FloatVector e = g.lanewise(VectorOperators.NEG).lanewise(VectorOperators.EXP);
            g.lanewise(VectorOperators.DIV, one.lanewise(VectorOperators.ADD, e))
                    .lanewise(VectorOperators.MUL, FloatVector.fromArray(Lanes.F, up, i))
                    .intoArray(gate, i);
        }
        for (; i < n; i++) {
            gate[i] = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
        }
    }
}
