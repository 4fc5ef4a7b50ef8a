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

    /**
     * out[outOffset + r] = scale * (a[aOffset .. aOffset + n) · b[bOffset + r * stride ..)) for r
     * in [0, rows): one vector against rows of a strided matrix (attention scores: a query head
     * against cached keys).
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
        for (int r = 0; r < rows; r++) {
            out[outOffset + r] = dot(a, aOffset, b, bOffset + r * stride, n) * scale;
        }
    }

    /** y[yOffset + i] += a * x[xOffset + i]. */
    public static void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] += a * x[xOffset + i];
        }
    }

    /**
     * out[outOffset + i] = sum over s in [0, slots) of weights[s] * v[vOffset + s * stride + i],
     * for i in [0, n): the attention-weighted sum of value rows.
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
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = 0f;
        }
        for (int s = 0; s < slots; s++) {
            axpy(weights[s], v, vOffset + s * stride, out, outOffset, n);
        }
    }

    /** In-place softmax over x[offset .. offset + n). */
    public static void softmax(float[] x, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            x[offset + i] = (float) Math.exp(x[offset + i] - max);
            sum += x[offset + i];
        }
        for (int i = 0; i < n; i++) {
            x[offset + i] /= sum;
        }
    }

    /** SwiGLU in place: gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + e^-gate[i]) * up[i]. */
    public static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            gate[i] = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
        }
    }
}
