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

    /**
     * w[offset .. offset+n) · x[xOffset .. xOffset+n) with integer products (whole 32-blocks, and
     * {@code w.hasQ8Dot()}).
     */
    public float dotQ8(FloatTensor w, int offset, Q8Activations x, int xOffset, int n) {
        return this == VECTOR
                ? w.dotQ8Vector(offset, x, xOffset, n)
                : w.dotQ8Scalar(offset, x, xOffset, n);
    }

    /**
     * Quantizes x[0 .. n) into {@code q} (n a multiple of 32); one implementation for both kernel
     * sets (see {@link Q8Activations#quantize} for why there is no vector twin).
     */
    public void quantize(Q8Activations q, float[] x, int n) {
        q.quantize(x, 0, n);
    }

    public float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        return this == VECTOR
                ? VectorKernels.dot(a, aOffset, b, bOffset, n)
                : ScalarKernels.dot(a, aOffset, b, bOffset, n);
    }

    /**
     * out[outOffset + r] = scale * (a[aOffset .. aOffset + n) · b[bOffset + r * stride ..)) for r
     * in [0, rows).
     */
    public void dots(
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
        if (this == VECTOR) {
            VectorKernels.dots(a, aOffset, b, bOffset, stride, rows, n, scale, out, outOffset);
        } else {
            ScalarKernels.dots(a, aOffset, b, bOffset, stride, rows, n, scale, out, outOffset);
        }
    }

    /** y[yOffset + i] += a * x[xOffset + i]. */
    public void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int n) {
        if (this == VECTOR) {
            VectorKernels.axpy(a, x, xOffset, y, yOffset, n);
        } else {
            ScalarKernels.axpy(a, x, xOffset, y, yOffset, n);
        }
    }

    /** out[outOffset + i] = sum over s &lt; slots of weights[s] * v[vOffset + s * stride + i]. */
    public void weightedSum(
            float[] weights,
            int slots,
            float[] v,
            int vOffset,
            int stride,
            float[] out,
            int outOffset,
            int n) {
        if (this == VECTOR) {
            VectorKernels.weightedSum(weights, slots, v, vOffset, stride, out, outOffset, n);
        } else {
            ScalarKernels.weightedSum(weights, slots, v, vOffset, stride, out, outOffset, n);
        }
    }

    /** In-place softmax over x[offset .. offset + n). */
    public void softmax(float[] x, int offset, int n) {
        if (this == VECTOR) {
            VectorKernels.softmax(x, offset, n);
        } else {
            ScalarKernels.softmax(x, offset, n);
        }
    }

    /** gate[i] = silu(gate[i]) * up[i] for i in [0, n). */
    public void swiglu(float[] gate, float[] up, int n) {
        if (this == VECTOR) {
            VectorKernels.swiglu(gate, up, n);
        } else {
            ScalarKernels.swiglu(gate, up, n);
        }
    }
}
