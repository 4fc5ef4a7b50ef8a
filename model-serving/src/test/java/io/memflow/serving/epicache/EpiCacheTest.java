package io.memflow.serving.epicache;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.embedding.HashingEmbedder;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import io.memflow.serving.model.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade and the layer profile on stories260K. */
class EpiCacheTest {
    @TempDir Path dir;

    @Test
    void compressesOneCachePerEpisodeAndRoutesQuestions() throws Exception {
        try (LlamaModel model = LlamaModel.load(TestModels.stories260K(), 1, Kernels.SCALAR)) {
            List<String> utterances = new ArrayList<>();
            String[] topics = {
                "my dog ran in the park with a ball", "we baked a sweet cake with mom"
            };
            for (int i = 0; i < 16; i++) {
                utterances.add("Lily said, \"" + topics[(i / 4) % 2] + "\"\n");
            }
            int[] body = model.tokenizer().encode(String.join("", utterances), false);
            int[] context = new int[body.length + 1];
            context[0] = model.tokenizer().vocabulary().bos();
            System.arraycopy(body, 0, context, 1, body.length);

            EpiCacheConfig config = new EpiCacheConfig(32, 32, 2, 4, 8, 48, 42L);
            EpiCache epi = new EpiCache(model, new HashingEmbedder(), config);
            List<Episode> episodes = epi.episodes(utterances);
            assertThat(episodes).hasSize(2);
            EpisodicCaches caches = epi.compress(utterances, episodes, context, null);
            for (int e = 0; e < 2; e++) {
                KvCache c = caches.cache(e);
                for (int l = 0; l < c.layers(); l++) {
                    assertThat(c.size(l)).isEqualTo(32);
                }
                assertThat(java.util.Arrays.stream(caches.stats(e).peakEntries()).max().getAsInt())
                        .isLessThanOrEqualTo(64);
            }
            assertThat(caches.nextPosition()).isEqualTo(context.length);
            int cake = caches.route("what cake did they bake with mom?");
            int dog = caches.route("where did the dog run with the ball?");
            assertThat(cake).isNotEqualTo(dog);
            assertThat(episodes.get(dog).windows()).contains(0);
        }
    }

    @Test
    void patchedPromptFitsTheCapAndCoversEveryMedoidWindow() throws Exception {
        try (LlamaModel model = LlamaModel.load(TestModels.stories260K(), 1, Kernels.SCALAR)) {
            String[] windows = {
                "Ann said, \"the dog ran to the park\"\n", "Bob said, \"we baked a cake\"\n",
                "Cat said, \"the sun was warm\"\n", "Dan said, \"a bird sang a song\"\n"
            };
            Episode e =
                    new Episode(0, new float[] {1f}, new int[] {0, 1, 3}, new int[] {0, 1, 3}, "");
            int[] full = PatchedPrompt.tokens(model.tokenizer(), e, windows, 1000);
            int[] capped = PatchedPrompt.tokens(model.tokenizer(), e, windows, 40);
            assertThat(capped.length).isLessThanOrEqualTo(40);
            assertThat(full.length).isGreaterThan(40);
            // each medoid window contributes its first tokens, in time order
            for (int w : e.medoidWindows()) {
                int[] head =
                        java.util.Arrays.copyOf(model.tokenizer().encode(windows[w], false), 4);
                assertThat(indexOf(capped, head)).as("window %d", w).isNotNegative();
            }
        }
    }

    @Test
    void layerProfileIsMeasuredOnceAndStored() throws Exception {
        try (LlamaModel model = LlamaModel.load(TestModels.stories260K(), 1, Kernels.SCALAR)) {
            Path file = dir.resolve("profile.json");
            LayerProfile p = LayerProfile.loadOrMeasure(model, file);
            assertThat(file).exists();
            assertThat(p.similarity()).hasSize(model.config().layers());
            // the first layer's keys come from token embeddings only: the mask cannot touch them
            assertThat(p.similarity()[0]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
            for (float s : p.similarity()) {
                assertThat(s).isBetween(-1f, 1.00001f);
            }
            LayerProfile again = LayerProfile.loadOrMeasure(model, file);
            assertThat(again.similarity()).containsExactly(p.similarity());
            int[] budgets = p.budgets(64, LayerBudgets.LLAMA_ALPHA);
            assertThat(java.util.Arrays.stream(budgets).sum()).isEqualTo(64 * budgets.length);
            assertThat(java.util.Arrays.stream(budgets).min().getAsInt())
                    .isGreaterThanOrEqualTo(16);
        }
    }

    private static int indexOf(int[] hay, int[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (java.util.Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
