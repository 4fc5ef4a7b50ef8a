package io.memflow.serving.kernels;

import io.memflow.serving.tensor.FloatTensor;

/**
 * The one place that chooses between the scalar reference kernels and their Vector API twins. The
 * model holds one {@code Kernels} value and calls every kernel through it, so a test can run the
 * whole forward pass on the reference path ({@link #SCALAR}) and compare.
 */
public enum Kernels {
    SCALAR,
    VECTOR;

    /**
     * {@link #VECTOR} when the Vector API module is present and the preferred float vector has 8 or
     * 16 lanes (the block layouts need that); otherwise {@link #SCALAR}.
     */
    public static Kernels preferred() {
        boolean moduleLoaded = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        return moduleLoaded && Lanes.usable() ? VECTOR : SCALAR;
    }

    /** w[offset .. offset+n) · x[xOffset .. xOffset+n). */
    public float dot(FloatTensor w, int offset, float[] x, int xOffset, int n) {
        return this == VECTOR
                ? w.dotVector(offset, x, xOffset, n)
                : w.dotScalar(offset, x, xOffset, n);
    }

    /** out[outOffset + i] = w[offset + i] for i in [0, n). */
    public void dequantize(FloatTensor w, int offset, float[] out, int outOffset, int n) {
        if (this == VECTOR) {
            w.dequantizeVector(offset, out, outOffset, n);
        } else {
            w.dequantize(offset, out, outOffset, n);
        }
    }

    public float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        return this == VECTOR
                ? VectorKernels.dot(a, aOffset, b, bOffset, n)
                : ScalarKernels.dot(a, aOffset, b, bOffset, n);
    }

    /** y[yOffset + i] += a * x[xOffset + i]. */
    public void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int n) {
        if (this == VECTOR) {
            VectorKernels.axpy(a, x, xOffset, y, yOffset, n);
        } else {
            ScalarKernels.axpy(a, x, xOffset, y, yOffset, n);
        }
    }
}
