package io.memflow.serving.model;

import io.memflow.serving.kernels.Q8Activations;

/**
 * Activation buffers for a block of {@code capacity} tokens going through the forward pass together
 * (the "wave" of activations, llama2.c's RunState). Row t belongs to token t of the block. Reused
 * between calls; grown when a larger block arrives.
 */
final class ForwardState {
    final int capacity;
    final float[][] x; // (token, dim) residual stream
    final float[][] xb; // (token, dim) normed input of a sublayer, then attention output
    final float[][] xb2; // (token, dim) sublayer output before the residual add
    final float[][] q; // (token, heads * headSize)
    final float[][] k; // (token, kvDim)
    final float[][] v; // (token, kvDim)
    final float[][] hb; // (token, hiddenDim) gate, then SwiGLU activation
    final float[][] hb2; // (token, hiddenDim) up projection
    final float[][][] qkv; // {q, k, v}: the outputs of the fused Q/K/V matmul
    final float[][][] gateUp; // {hb, hb2}: the outputs of the fused gate/up matmul
    final Q8Activations[] xq; // (token) xb quantized, for integer dots (width dim or qDim)
    final Q8Activations[] hq; // (token) hb quantized (width hiddenDim)

    ForwardState(LlamaConfig c, int capacity) {
        this.capacity = capacity;
        int qDim = c.heads() * c.headSize();
        x = new float[capacity][c.dim()];
        xb = new float[capacity][Math.max(c.dim(), qDim)];
        xb2 = new float[capacity][c.dim()];
        q = new float[capacity][qDim];
        k = new float[capacity][c.kvDim()];
        v = new float[capacity][c.kvDim()];
        hb = new float[capacity][c.hiddenDim()];
        hb2 = new float[capacity][c.hiddenDim()];
        qkv = new float[][][] {q, k, v};
        gateUp = new float[][][] {hb, hb2};
        xq = new Q8Activations[capacity];
        hq = new Q8Activations[capacity];
        for (int t = 0; t < capacity; t++) {
            xq[t] = new Q8Activations(blocks(Math.max(c.dim(), qDim)));
            hq[t] = new Q8Activations(blocks(c.hiddenDim()));
        }
    }

    /** n rounded up to whole quantization blocks (only quantized formats use these buffers). */
    private static int blocks(int n) {
        int b = Q8Activations.BLOCK;
        return (n + b - 1) / b * b;
    }
}
