package io.memflow.serving.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vector API twins of {@link ScalarKernels}. */
public final class VectorKernels {
    private VectorKernels() {}

    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int upper = Lanes.F.loopBound(n);
        int i = 0;
        for (; i < upper; i += Lanes.L) {
            FloatVector va = FloatVector.fromArray(Lanes.F, a, aOffset + i);
            acc = va.fma(FloatVector.fromArray(Lanes.F, b, bOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
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
