package io.memflow.serving.epicache;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kvcache.AttentionRecorder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import io.memflow.serving.model.TestModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Block-wise prefill with eviction on the real stories260K model. */
class BlockPrefillTest {
    private static final int BLOCK = 32;
    private static LlamaModel model;
    private static int[] context;

    @BeforeAll
    static void load() throws Exception {
        model = LlamaModel.load(TestModels.stories260K(), 1, Kernels.SCALAR);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            text.append("Lily said, \"I found a red ball in the park and my dog ran after it.\"\n");
            text.append("Tom said, \"We baked a cake with my mom and it was very sweet.\"\n");
        }
        int[] body = model.tokenizer().encode(text.toString(), false);
        context = new int[Math.min(300, body.length + 1)];
        context[0] = model.tokenizer().vocabulary().bos();
        System.arraycopy(body, 0, context, 1, context.length - 1);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void peakKvBoundHoldsAfterEveryBlockForEveryScorer() {
        int layers = model.config().layers();
        int[] budgets = LayerBudgets.allocate(new float[] {1f, 0.9f, 0.8f, 0.85f, 0.7f}, 40, 1.1);
        int[] prompt = model.tokenizer().encode("Lily said, \"my dog ran after the ball\"", false);
        List<BlockScorer> scorers =
                List.of(
                        new PatchedPromptScorer(prompt),
                        new SnapKvScorer(8),
                        new SlidingWindowScorer(4));
        for (BlockScorer scorer : scorers) {
            KvCache cache = model.newCache();
            int[] blocks = {0};
            PrefillStats stats =
                    BlockPrefill.run(
                            model,
                            cache,
                            context,
                            0,
                            BLOCK,
                            budgets,
                            scorer,
                            (b, c, evicted) -> {
                                blocks[0]++;
                                for (int l = 0; l < layers; l++) {
                                    int bound = evicted ? budgets[l] : budgets[l] + BLOCK;
                                    assertThat(c.size(l))
                                            .as("%s block %d layer %d", scorer.name(), b, l)
                                            .isLessThanOrEqualTo(bound);
                                    // nothing but context positions survive the scorer
                                    assertThat(c.maxPosition()).isLessThan(context.length);
                                }
                            });
            assertThat(blocks[0]).isEqualTo(2 * ((context.length + BLOCK - 1) / BLOCK));
            int maxBudget = Arrays.stream(budgets).max().getAsInt();
            assertThat(Arrays.stream(stats.peakEntries()).max().getAsInt())
                    .isLessThanOrEqualTo(maxBudget + BLOCK);
            long bound = 0;
            for (int b : budgets) {
                bound += (long) (b + BLOCK) * cache.bytesPerEntry();
            }
            assertThat(stats.peakContextBytes()).isLessThanOrEqualTo(bound);
            assertThat(stats.nextPosition()).isEqualTo(context.length);
            for (int l = 0; l < layers; l++) {
                assertThat(cache.size(l)).isEqualTo(budgets[l]);
            }
        }
    }

    @Test
    void evictionKeepsTheHighestScoredEntries() {
        // a scorer with a known, position-dependent score: survivors must be the top ones
        BlockScorer byHash =
                new BlockScorer() {
                    @Override
                    public String name() {
                        return "hash";
                    }

                    @Override
                    public float[][] score(
                            LlamaModel m, KvCache cache, AttentionRecorder r, int end) {
                        float[][] s = new float[cache.layers()][];
                        for (int l = 0; l < cache.layers(); l++) {
                            int[] pos = cache.positions(l);
                            s[l] = new float[pos.length];
                            for (int i = 0; i < pos.length; i++) {
                                s[l][i] = hashScore(pos[i], l);
                            }
                        }
                        return s;
                    }
                };
        int[] budgets = LayerBudgets.uniform(model.config().layers(), 24);
        List<Set<Integer>> before = new ArrayList<>();
        KvCache cache = model.newCache();
        BlockPrefill.run(
                model,
                cache,
                context,
                0,
                BLOCK,
                budgets,
                byHash,
                (b, c, evicted) -> {
                    for (int l = 0; l < c.layers(); l++) {
                        if (!evicted) {
                            before.add(new HashSet<>());
                            for (int p : c.positions(l)) {
                                before.get(before.size() - 1).add(p);
                            }
                            continue;
                        }
                        Set<Integer> had = before.get(before.size() - c.layers() + l);
                        Set<Integer> kept = new HashSet<>();
                        for (int p : c.positions(l)) {
                            kept.add(p);
                        }
                        float minKept = Float.MAX_VALUE;
                        float maxDropped = -Float.MAX_VALUE;
                        for (int p : had) {
                            if (kept.contains(p)) {
                                minKept = Math.min(minKept, hashScore(p, l));
                            } else {
                                maxDropped = Math.max(maxDropped, hashScore(p, l));
                            }
                        }
                        assertThat(minKept).isGreaterThanOrEqualTo(maxDropped);
                        assertThat(had).containsAll(kept);
                    }
                });
        assertThat(before).isNotEmpty();
    }

    @Test
    void patchedPromptScoringLeavesTheCacheAsItFoundIt() {
        KvCache cache = model.newCache();
        int[] ctx = Arrays.copyOf(context, 64);
        model.prefill(ctx, LayerSensitivity.range(0, 64), cache, null);
        int[] prompt = model.tokenizer().encode("the dog ran after the red ball", false);
        float[][] s = new PatchedPromptScorer(prompt).score(model, cache, null, 64);
        for (int l = 0; l < cache.layers(); l++) {
            assertThat(cache.size(l)).isEqualTo(64);
            assertThat(s[l]).hasSize(64);
            double sum = 0;
            for (float v : s[l]) {
                assertThat(v).isBetween(0f, 1f);
                sum += v;
            }
            assertThat(sum).isPositive();
        }
    }

    private static float hashScore(int position, int layer) {
        return (float) (((position * 2654435761L + layer * 40503L) >>> 7) % 1000);
    }
}
