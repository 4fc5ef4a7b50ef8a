package io.memflow.serving.kernels;

/** Reference implementations of the float-array kernels: plain loops, obviously correct. */
public final class ScalarKernels {
    private ScalarKernels() {}

    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /** y[yOffset + i] += a * x[xOffset + i]. */
    public static void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] += a * x[xOffset + i];
        }
    }
}
