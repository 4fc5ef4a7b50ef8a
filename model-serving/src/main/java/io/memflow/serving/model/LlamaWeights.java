package io.memflow.serving.model;

import io.memflow.serving.gguf.GgufFile;
import io.memflow.serving.gguf.GgufFormatException;
import io.memflow.serving.gguf.GgufTensorInfo;
import io.memflow.serving.gguf.GgufTensorNames;
import io.memflow.serving.tensor.FloatTensor;
import java.io.IOException;
import java.util.Arrays;

/**
 * The model's parameters: memory-mapped tensors straight from the GGUF file (never copied), plus
 * the tiny norm and bias vectors read into float arrays. A weight matrix "(out, in)" stores {@code
 * out} rows of {@code in} elements, row r at element offset {@code r * in}.
 */
public final class LlamaWeights {
    final FloatTensor tokenEmbedding; // (vocab, dim)
    final float[][] attnNorm; // (layer, dim)
    final FloatTensor[] wq; // (layer) (heads * headSize, dim)
    final FloatTensor[] wk; // (layer) (kvHeads * headSize, dim)
    final FloatTensor[] wv; // (layer) (kvHeads * headSize, dim)
    final float[][] bq; // (layer, heads * headSize), null without attention biases
    final float[][] bk; // (layer, kvDim), null without attention biases
    final float[][] bv; // (layer, kvDim), null without attention biases
    final FloatTensor[] wo; // (layer) (dim, heads * headSize)
    final float[][] ffnNorm; // (layer, dim)
    final FloatTensor[] wGate; // (layer) (hiddenDim, dim)
    final FloatTensor[] wUp; // (layer) (hiddenDim, dim)
    final FloatTensor[] wDown; // (layer) (dim, hiddenDim)
    final float[] outputNorm; // (dim)
    final FloatTensor output; // (vocab, dim); the embedding itself when tied
    final FloatTensor ropeFreqFactors; // (ropeDim / 2), null unless present in the file
    final FloatTensor[][] qkv; // (layer) {wq, wk, wv}: one fused matmul over the same input
    final FloatTensor[][] gateUp; // (layer) {wGate, wUp}: one fused matmul over the same input

    LlamaWeights(GgufFile file, LlamaConfig c) throws IOException {
        int n = c.layers();
        int qDim = c.heads() * c.headSize();
        tokenEmbedding = matrix(file, GgufTensorNames.TOKEN_EMBD, c.vocabSize(), c.dim());
        attnNorm = new float[n][];
        wq = new FloatTensor[n];
        wk = new FloatTensor[n];
        wv = new FloatTensor[n];
        boolean bias = c.architecture().attentionBias();
        bq = bias ? new float[n][] : null;
        bk = bias ? new float[n][] : null;
        bv = bias ? new float[n][] : null;
        wo = new FloatTensor[n];
        ffnNorm = new float[n][];
        wGate = new FloatTensor[n];
        wUp = new FloatTensor[n];
        wDown = new FloatTensor[n];
        for (int l = 0; l < n; l++) {
            attnNorm[l] = vector(file, GgufTensorNames.attnNorm(l), c.dim());
            wq[l] = matrix(file, GgufTensorNames.attnQ(l), qDim, c.dim());
            wk[l] = matrix(file, GgufTensorNames.attnK(l), c.kvDim(), c.dim());
            wv[l] = matrix(file, GgufTensorNames.attnV(l), c.kvDim(), c.dim());
            if (bias) {
                bq[l] = vector(file, GgufTensorNames.attnQBias(l), qDim);
                bk[l] = vector(file, GgufTensorNames.attnKBias(l), c.kvDim());
                bv[l] = vector(file, GgufTensorNames.attnVBias(l), c.kvDim());
            }
            wo[l] = matrix(file, GgufTensorNames.attnOutput(l), c.dim(), qDim);
            ffnNorm[l] = vector(file, GgufTensorNames.ffnNorm(l), c.dim());
            wGate[l] = matrix(file, GgufTensorNames.ffnGate(l), c.hiddenDim(), c.dim());
            wUp[l] = matrix(file, GgufTensorNames.ffnUp(l), c.hiddenDim(), c.dim());
            wDown[l] = matrix(file, GgufTensorNames.ffnDown(l), c.dim(), c.hiddenDim());
        }
        qkv = new FloatTensor[n][];
        gateUp = new FloatTensor[n][];
        for (int l = 0; l < n; l++) {
            qkv[l] = new FloatTensor[] {wq[l], wk[l], wv[l]};
            gateUp[l] = new FloatTensor[] {wGate[l], wUp[l]};
        }
        outputNorm = vector(file, GgufTensorNames.OUTPUT_NORM, c.dim());
        output =
                file.tensors().containsKey(GgufTensorNames.OUTPUT)
                        ? matrix(file, GgufTensorNames.OUTPUT, c.vocabSize(), c.dim())
                        : tokenEmbedding;
        ropeFreqFactors =
                file.tensors().containsKey(GgufTensorNames.ROPE_FREQS)
                        ? matrix(file, GgufTensorNames.ROPE_FREQS, 1, c.ropeDim() / 2)
                        : null;
    }

    /** Bytes of weights one decode step reads: every matrix once (embedding: one row). */
    public long bytesPerToken() {
        long bytes = 0;
        for (int l = 0; l < wq.length; l++) {
            for (FloatTensor t :
                    new FloatTensor[] {wq[l], wk[l], wv[l], wo[l], wGate[l], wUp[l], wDown[l]}) {
                bytes += t.bytesRead();
            }
        }
        bytes += output.bytesRead();
        return bytes;
    }

    private static FloatTensor matrix(GgufFile file, String name, int rows, int cols)
            throws IOException {
        GgufTensorInfo info = file.tensor(name);
        long[] dims = info.dims();
        boolean ok =
                (dims.length == 2 && dims[0] == cols && dims[1] == rows)
                        || (dims.length == 1 && rows == 1 && dims[0] == cols);
        if (!ok) {
            throw new GgufFormatException(
                    file.path(),
                    "tensor '"
                            + name
                            + "' has shape "
                            + Arrays.toString(dims)
                            + ", expected ["
                            + cols
                            + ", "
                            + rows
                            + "]");
        }
        return FloatTensor.wrap(info.type(), file.tensorData(info), (int) info.elementCount());
    }

    private static float[] vector(GgufFile file, String name, int size) throws IOException {
        FloatTensor t = matrix(file, name, 1, size);
        float[] out = new float[size];
        t.dequantize(0, out, 0, size);
        return out;
    }
}
