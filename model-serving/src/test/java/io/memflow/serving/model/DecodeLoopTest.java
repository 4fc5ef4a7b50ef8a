package io.memflow.serving.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.GenerationResult.StopReason;
import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.sampling.Sampler;
import io.memflow.serving.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one decode loop: where it stops and what it leaves in the cache. */
class DecodeLoopTest {
    @TempDir Path dir;

    /** The synthetic qwen2 model (F32) on {@code threads} threads. */
    private LlamaModel qwen2(int threads) throws Exception {
        return LlamaModel.load(
                TestModels.write(dir, TestModels.QWEN2, GgmlType.F32),
                threads,
                Kernels.preferred());
    }

    @Test
    void forwardIntoACallersArrayGivesTheSameLogitsAsAFreshOne() throws Exception {
        try (LlamaModel m = qwen2(2)) {
            KvCache a = m.newCache();
            KvCache b = m.newCache(8); // sized up front: same entries, same results
            float[] reused = new float[m.config().vocabSize()];
            float[] fresh = m.forward(new int[] {5, 6}, new int[] {0, 1}, a, null);
            float[] into = m.forward(new int[] {5, 6}, new int[] {0, 1}, b, null, reused);
            assertThat(into).isSameAs(reused).containsExactly(fresh);
            for (int p = 2; p < 6; p++) {
                fresh = m.forward(new int[] {p + 4}, new int[] {p}, a, null);
                into = m.forward(new int[] {p + 4}, new int[] {p}, b, null, reused);
                assertThat(into).isSameAs(reused).containsExactly(fresh);
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> m.forward(new int[] {1}, new int[] {6}, b, null, new float[3]))
                    .hasMessageContaining("logits need " + m.config().vocabSize());
        }
    }

    @Test
    void stopsAtTheChatFormatsEndOfTurnToken() throws Exception {
        try (LlamaModel m = qwen2(1)) {
            Tokenizer tok = m.tokenizer();
            int endOfTurn = tok.vocabulary().id(tok.chatFormat().stopTokens()[0]);
            assertThat(endOfTurn).isNotNegative();
            BitSet stops = DecodeLoop.stopTokens(tok);
            assertThat(stops.get(endOfTurn)).isTrue();

            KvCache cache = m.newCache();
            float[] logits = m.forward(new int[] {5, 6}, new int[] {0, 1}, cache, null);
            List<Integer> seen = new ArrayList<>();
            DecodeLoop.Result r =
                    DecodeLoop.run(
                            m,
                            logits,
                            cache,
                            2,
                            10,
                            script(7, 8, endOfTurn, 9),
                            stops,
                            seen::add,
                            CancellationToken.none());

            assertThat(r.tokens()).containsExactly(7, 8);
            assertThat(seen).containsExactly(7, 8);
            assertThat(r.reason()).isEqualTo(StopReason.STOP_TOKEN);
            // 7 and 8 were fed back at positions 2 and 3; the stop token never was
            assertThat(r.nextPosition()).isEqualTo(4);
            assertThat(r.forwardSteps()).isEqualTo(2);
            assertThat(cache.maxPosition()).isEqualTo(3);
        }
    }

    @Test
    void stopsAtTheTokenBudgetWithoutFeedingTheLastTokenBack() throws Exception {
        try (LlamaModel m =
                LlamaModel.load(
                        TestModels.write(dir, TestModels.LLAMA, GgmlType.F32),
                        1,
                        Kernels.preferred())) {
            KvCache cache = m.newCache();
            float[] logits = m.forward(new int[] {1}, new int[] {0}, cache, null);
            DecodeLoop.Result r =
                    DecodeLoop.run(
                            m,
                            logits,
                            cache,
                            1,
                            3,
                            script(10, 11, 12, 13),
                            new BitSet(),
                            t -> {},
                            CancellationToken.none());

            assertThat(r.tokens()).containsExactly(10, 11, 12);
            assertThat(r.reason()).isEqualTo(StopReason.MAX_TOKENS);
            assertThat(r.nextPosition()).isEqualTo(3);
            assertThat(cache.maxPosition()).isEqualTo(2);
        }
    }

    /** A sampler that returns {@code tokens} in order, whatever the logits. */
    private static Sampler script(int... tokens) {
        int[] next = {0};
        return logits -> tokens[next[0]++];
    }
}
