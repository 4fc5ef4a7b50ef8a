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
}
