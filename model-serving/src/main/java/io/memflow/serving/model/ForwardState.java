package io.memflow.serving.model;

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
    final float[][] logits; // (1, vocab) for the last token

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
        logits = new float[1][c.vocabSize()];
    }
}
