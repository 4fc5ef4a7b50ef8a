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
}
