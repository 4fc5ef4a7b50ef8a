package io.memflow.serving.synth;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.gguf.GgufTensorNames;
import io.memflow.serving.gguf.GgufWriter;
import io.memflow.serving.tensor.Quantizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a random-weight GGUF model of a given shape, with a synthetic but valid tokenizer of the
 * right family, so the whole engine (tokenizer, forward pass, sampler) runs on it.
 *
 * <p>Weights are uniform in ±1/sqrt(fan-in) so activations stay in a sane range; norms are 1.
 * Matrices whose row length is not a multiple of the quantization block (stories260K's 172-wide
 * feed-forward) are written as F32, as llama.cpp's quantizer also falls back for such rows.
 */
public final class SyntheticModel {

    /**
     * A model shape; {@code tokenizer} is "llama" or "gpt2", {@code architecture} llama or qwen2.
     */
    public record Spec(
            String architecture,
            int dim,
            int hiddenDim,
            int layers,
            int heads,
            int kvHeads,
            int vocabSize,
            int contextLength,
            float ropeTheta,
            String tokenizer) {}

    private SyntheticModel() {}

    public static void write(Spec spec, GgmlType type, Path out, long seed) throws IOException {
        if (type != GgmlType.F32
                && type != GgmlType.Q8_0
                && type != GgmlType.Q4_0
                && type != GgmlType.Q4_K
                && type != GgmlType.F16
                && type != GgmlType.BF16) {
            throw new IllegalArgumentException(
                    "synthetic models support F32, F16, BF16, Q8_0, Q4_0, Q4_K; not " + type);
        }
        GgufWriter w = new GgufWriter();
        String a = spec.architecture() + ".";
        w.putString("general.architecture", spec.architecture());
        w.putString("general.name", "synthetic-" + spec.architecture());
        w.putUInt32(a + "context_length", spec.contextLength());
        w.putUInt32(a + "embedding_length", spec.dim());
        w.putUInt32(a + "feed_forward_length", spec.hiddenDim());
        w.putUInt32(a + "block_count", spec.layers());
        w.putUInt32(a + "attention.head_count", spec.heads());
        w.putUInt32(a + "attention.head_count_kv", spec.kvHeads());
        w.putUInt32(a + "rope.dimension_count", spec.dim() / spec.heads());
        w.putFloat32(a + "rope.freq_base", spec.ropeTheta());
        w.putFloat32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
        SyntheticVocabulary.write(w, spec.tokenizer(), spec.vocabSize(), seed);

        SplittableRandom random = new SplittableRandom(seed);
        int qDim = spec.dim();
        int kvDim = spec.kvHeads() * (spec.dim() / spec.heads());
        matrix(w, GgufTensorNames.TOKEN_EMBD, type, spec.vocabSize(), spec.dim(), random);
        for (int l = 0; l < spec.layers(); l++) {
            ones(w, GgufTensorNames.attnNorm(l), spec.dim());
            matrix(w, GgufTensorNames.attnQ(l), type, qDim, spec.dim(), random);
            matrix(w, GgufTensorNames.attnK(l), type, kvDim, spec.dim(), random);
            matrix(w, GgufTensorNames.attnV(l), type, kvDim, spec.dim(), random);
            if (spec.architecture().equals("qwen2")) {
                bias(w, GgufTensorNames.attnQBias(l), qDim, random);
                bias(w, GgufTensorNames.attnKBias(l), kvDim, random);
                bias(w, GgufTensorNames.attnVBias(l), kvDim, random);
            }
            matrix(w, GgufTensorNames.attnOutput(l), type, spec.dim(), qDim, random);
            ones(w, GgufTensorNames.ffnNorm(l), spec.dim());
            matrix(w, GgufTensorNames.ffnGate(l), type, spec.hiddenDim(), spec.dim(), random);
            matrix(w, GgufTensorNames.ffnUp(l), type, spec.hiddenDim(), spec.dim(), random);
            matrix(w, GgufTensorNames.ffnDown(l), type, spec.dim(), spec.hiddenDim(), random);
        }
        ones(w, GgufTensorNames.OUTPUT_NORM, spec.dim());
        // no output.weight: the classifier is tied to the embedding, as in the stories and
        // SmolLM checkpoints these shapes copy
        w.write(out);
    }

    private static void matrix(
            GgufWriter w, String name, GgmlType type, int rows, int cols, SplittableRandom rnd) {
        GgmlType t = cols % type.blockSize() == 0 ? type : GgmlType.F32;
        long seed = rnd.nextLong(); // each tensor gets its own stream, generated while writing
        float bound = (float) (1.0 / Math.sqrt(cols));
        w.addTensor(
                name,
                t,
                new long[] {cols, rows},
                out -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int rowsPerChunk = Math.max(1, (1 << 16) / cols);
                    float[] chunk = new float[rowsPerChunk * cols];
                    for (int row = 0; row < rows; row += rowsPerChunk) {
                        int n = Math.min(rowsPerChunk, rows - row) * cols;
                        float[] values = n == chunk.length ? chunk : new float[n];
                        for (int i = 0; i < n; i++) {
                            values[i] = (float) (r.nextDouble() * 2 - 1) * bound;
                        }
                        out.write(Quantizer.quantize(t, values));
                    }
                });
    }

    private static void ones(GgufWriter w, String name, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        w.addTensor(
                name,
                GgmlType.F32,
                new long[] {n},
                out -> out.write(Quantizer.quantize(GgmlType.F32, v)));
    }

    private static void bias(GgufWriter w, String name, int n, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() * 0.2 - 0.1);
        }
        w.addTensor(
                name,
                GgmlType.F32,
                new long[] {n},
                out -> out.write(Quantizer.quantize(GgmlType.F32, v)));
    }
}
