package io.memflow.serving.model;

import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kernels.Q8Activations;
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

    /**
     * Blocks of at least this many tokens decode each weight row once (F32 too: array loads beat
     * buffer loads), unless the format has integer dots.
     */
    static final int ROW_DECODE_MIN_TOKENS = 4;

    /**
     * One matrix: out[t][r] = w[r, :] · in[t][:] for every token t of the block and row r, with
     * integer dots when {@code inQ} is not null. By far the most time is spent in the matmuls. Rows
     * are split across the pool; each row is read once from memory and reused from cache for every
     * token of the block, which is why prefill beats decode.
     */
    static void matmul(
            Kernels kernels,
            WorkerPool pool,
            FloatTensor w,
            float[][] in,
            Q8Activations[] inQ,
            float[][] out,
            int tokens,
            int cols) {
        matmul(kernels, pool, new FloatTensor[] {w}, new float[][][] {out}, in, inQ, tokens, cols);
    }

    /**
     * The matmuls that read the same input, in one parallel loop: {@code ws[i]} (rows_i, cols) into
     * {@code outs[i]}. Why fused: decoding a token is about a hundred short parallel loops, and
     * each hand-off to the pool (wake, spin, join) costs time the memory bus sits idle; Q, K and V
     * share one loop, and so do gate and up.
     *
     * <p>Per matrix, one of three row kernels runs: integer dots against {@code inQ} (the input
     * quantized once by the caller) when the format has them; for a block of tokens, the row
     * dequantized once into a scratch row and dotted as floats; otherwise direct float dots.
     *
     * @param inQ the inputs quantized to Q8 blocks, or null to use float activations throughout
     */
    static void matmul(
            Kernels kernels,
            WorkerPool pool,
            FloatTensor[] ws,
            float[][][] outs,
            float[][] in,
            Q8Activations[] inQ,
            int tokens,
            int cols) {
        int[] starts = new int[ws.length + 1]; // first row of each matrix in the fused range
        for (int i = 0; i < ws.length; i++) {
            starts[i + 1] = starts[i] + ws[i].size() / cols;
        }
        pool.parallelFor(
                starts[ws.length],
                (start, end) -> {
                    for (int i = 0; i < ws.length; i++) {
                        int lo = Math.max(start, starts[i]) - starts[i];
                        int hi = Math.min(end, starts[i + 1]) - starts[i];
                        if (lo < hi) {
                            rows(kernels, ws[i], in, inQ, outs[i], tokens, cols, lo, hi);
                        }
                    }
                });
    }

    /** Whether the integer path applies to any of {@code ws}: then the input is quantized. */
    static boolean anyQ8(FloatTensor... ws) {
        for (FloatTensor w : ws) {
            if (w.hasQ8Dot()) {
                return true;
            }
        }
        return false;
    }

    private static void rows(
            Kernels kernels,
            FloatTensor w,
            float[][] in,
            Q8Activations[] inQ,
            float[][] out,
            int tokens,
            int cols,
            int start,
            int end) {
        // Separate small methods (not one loop with a branch inside) keep each compiled unit
        // small: C2 must inline the whole Vector API kernel into it, or the vectors get boxed.
        if (inQ != null && w.hasQ8Dot()) {
            q8Rows(kernels, w, inQ, out, tokens, cols, start, end);
        } else if (tokens >= ROW_DECODE_MIN_TOKENS) {
            decodedRows(kernels, w, in, out, tokens, cols, start, end);
        } else {
            directRows(kernels, w, in, out, tokens, cols, start, end);
        }
    }

    private static void q8Rows(
            Kernels kernels,
            FloatTensor w,
            Q8Activations[] inQ,
            float[][] out,
            int tokens,
            int cols,
            int start,
            int end) {
        for (int r = start; r < end; r++) {
            for (int t = 0; t < tokens; t++) {
                out[t][r] = kernels.dotQ8(w, r * cols, inQ[t], 0, cols);
            }
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
}
