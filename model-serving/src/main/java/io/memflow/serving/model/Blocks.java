package io.memflow.serving.model;

import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kernels.WorkerPool;
import io.memflow.serving.tensor.FloatTensor;

/** The small neural-net building blocks of the forward pass. */
final class Blocks {
    private Blocks() {}

    /** out = x / rms(x) * weight, over {@code weight.length} elements. */
    static void rmsnorm(float[] out, float[] x, float[] weight, float eps) {
        int n = weight.length;
        float ss = 0f;
        for (int i = 0; i < n; i++) {
            ss += x[i] * x[i];
        }
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[i] = weight[i] * (scale * x[i]);
        }
    }

    /** In-place softmax over x[offset .. offset+n). */
    static void softmax(float[] x, int offset, int n) {
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

    /**
     * Blocks of at least this many tokens decode each weight row once (F32 too: array loads beat
     * buffer loads).
     */
    static final int ROW_DECODE_MIN_TOKENS = 4;

    /**
     * out[t][r] = w[r, :] · in[t][:] for every token t of the block and row r. By far the most time
     * is spent here. Rows are split across the pool; each row is read once from memory and reused
     * from cache for every token of the block, which is why prefill beats decode.
     *
     * <p>For a block of tokens, a quantized row is dequantized once into a per-worker scratch row
     * (cols floats, a few KiB) and the tokens are dotted against plain floats, instead of unpacking
     * the same blocks once per token. The weights themselves stay mapped.
     */
    static void matmul(
            Kernels kernels,
            WorkerPool pool,
            FloatTensor w,
            float[][] in,
            float[][] out,
            int tokens,
            int rows,
            int cols) {
        // Two separate loops (not one loop with a branch) keep each compiled unit small:
        // C2 must inline the whole Vector API kernel into it, or the vectors get boxed.
        if (tokens >= ROW_DECODE_MIN_TOKENS) {
            pool.parallelFor(
                    rows,
                    (start, end) -> decodedRows(kernels, w, in, out, tokens, cols, start, end));
        } else {
            pool.parallelFor(
                    rows,
                    (start, end) -> directRows(kernels, w, in, out, tokens, cols, start, end));
        }
    }

    private static void directRows(
            Kernels kernels,
            FloatTensor w,
            float[][] in,
            float[][] out,
            int tokens,
            int cols,
            int start,
            int end) {
        for (int r = start; r < end; r++) {
            for (int t = 0; t < tokens; t++) {
                out[t][r] = kernels.dot(w, r * cols, in[t], 0, cols);
            }
        }
    }

    private static void decodedRows(
            Kernels kernels,
            FloatTensor w,
            float[][] in,
            float[][] out,
            int tokens,
            int cols,
            int start,
            int end) {
        float[] row = new float[cols]; // (cols) scratch for this worker
        for (int r = start; r < end; r++) {
            kernels.dequantize(w, r * cols, row, 0, cols);
            for (int t = 0; t < tokens; t++) {
                out[t][r] = kernels.dot(row, 0, in[t], 0, cols);
            }
        }
    }

    static void addBias(float[][] x, float[] bias, int tokens) {
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < bias.length; i++) {
                x[t][i] += bias[i];
            }
        }
    }

    /** x += y over the first {@code n} elements of each token. */
    static void residual(float[][] x, float[][] y, int tokens, int n) {
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < n; i++) {
                x[t][i] += y[t][i];
            }
        }
    }

    /** SwiGLU: gate = silu(gate) * up, silu(g) = g * sigmoid(g). */
    static void swiglu(float[][] gate, float[][] up, int tokens, int n) {
        for (int t = 0; t < tokens; t++) {
            float[] g = gate[t];
            float[] u = up[t];
            for (int i = 0; i < n; i++) {
                g[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
            }
        }
    }
}
