package io.memflow.serving.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.synth.SyntheticModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimized forward pass (Vector API kernels, 2 threads, blocks of tokens) against the scalar
 * reference path (scalar kernels, 1 thread, one token at a time) on random-weight models written by
 * the test. Tolerance: |logit difference| &lt;= 1e-3 * max |logit| + 1e-4, the float-rounding noise
 * of summing in a different order through a few layers.
 */
class ForwardEquivalenceTest {
    static final int[] TOKENS = {1, 270, 300, 5, 391, 350, 299, 3, 388, 301, 280};

    @TempDir Path dir;

    static Stream<Arguments> models() {
        return Stream.of(TestModels.LLAMA, TestModels.QWEN2)
                .flatMap(
                        spec ->
                                Stream.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0)
                                        .map(type -> Arguments.of(spec.architecture(), type)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void vectorBlockForwardMatchesScalarReference(String arch, GgmlType type) throws Exception {
        SyntheticModel.Spec spec = arch.equals("llama") ? TestModels.LLAMA : TestModels.QWEN2;
        Path file = TestModels.write(dir, spec, type);
        try (LlamaModel reference = LlamaModel.load(file, 1, Kernels.SCALAR);
                LlamaModel fast = LlamaModel.load(file, 2, Kernels.VECTOR)) {
            KvCache refCache = reference.newCache();
            float[][] refLogits = new float[TOKENS.length][];
            for (int p = 0; p < TOKENS.length; p++) { // one token at a time
                refLogits[p] =
                        reference.forward(new int[] {TOKENS[p]}, new int[] {p}, refCache, null);
            }
            KvCache cache = fast.newCache();
            // a block of 8, then single tokens
            float[] logits = fast.forward(Arrays.copyOf(TOKENS, 8), range(0, 8), cache, null);
            assertClose(logits, refLogits[7], "after block");
            for (int p = 8; p < TOKENS.length; p++) {
                logits = fast.forward(new int[] {TOKENS[p]}, new int[] {p}, cache, null);
                assertClose(logits, refLogits[p], "position " + p);
            }
            assertThat(cache.bytesInUse()).isEqualTo(refCache.bytesInUse());
        }
    }

    @Test
    void evictionAndAttentionRecording() throws Exception {
        Path file = TestModels.write(dir, TestModels.LLAMA, GgmlType.F32);
        try (LlamaModel model = LlamaModel.load(file, 2, Kernels.VECTOR)) {
            LlamaConfig c = model.config();
            KvCache cache = model.newCache();
            AttentionRecorder recorder = new AttentionRecorder(c.layers(), c.kvHeads()).watch(6, 7);
            model.prefill(Arrays.copyOf(TOKENS, 8), range(0, 8), cache, recorder);
            for (int l = 0; l < c.layers(); l++) {
                float[][] scores = recorder.scores(l);
                assertThat(scores).hasNumberOfRows(c.kvHeads());
                assertThat(scores[0]).hasSize(8);
                for (float[] head : scores) {
                    for (float s : head) {
                        assertThat(s).isBetween(0f, 1f);
                    }
                }
            }
            // the watched query at position 7 must see all 8 entries, 6 only 7 of them
            float[] layer0 = recorder.maxScores(0, 8);
            assertThat(layer0[7]).isPositive();

            // retaining everything changes nothing; evicting changes the next logits
            KvCache same = model.newCache();
            model.prefill(Arrays.copyOf(TOKENS, 8), range(0, 8), same, null);
            same.retain(0, range(0, 8));
            float[] a = model.forward(new int[] {TOKENS[8]}, new int[] {8}, cache, null);
            float[] b = model.forward(new int[] {TOKENS[8]}, new int[] {8}, same, null);
            assertThat(b).containsExactly(a);

            KvCache evicted = model.newCache();
            model.prefill(Arrays.copyOf(TOKENS, 8), range(0, 8), evicted, null);
            long before = evicted.bytesInUse();
            evicted.retain(0, new int[] {0, 5, 7}); // layer 0 keeps 3, layer 1 keeps all 8
            evicted.retain(1, new int[] {0, 1, 2, 3, 6, 7});
            assertThat(evicted.size(0)).isEqualTo(3);
            assertThat(evicted.bytesInUse()).isLessThan(before);
            float[] e = model.forward(new int[] {TOKENS[8]}, new int[] {8}, evicted, null);
            assertThat(e).isNotEqualTo(a);
            assertThat(evicted.positions(0)).containsExactly(0, 5, 7, 8);
            assertThat(evicted.peakBytesInUse()).isEqualTo(before);
        }
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    static void assertClose(float[] actual, float[] expected, String what) {
        float max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        assertThat(max).as("logits are not all zero").isPositive();
        float tolerance = 1e-3f * max + 1e-4f;
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i]))
                    .as("%s logit %d", what, i)
                    .isLessThanOrEqualTo(tolerance);
        }
    }
}
