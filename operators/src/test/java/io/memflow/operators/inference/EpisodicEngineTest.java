package io.memflow.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.schemas.internal.EpisodeMeta;
import io.memflow.serving.embedding.HashingEmbedder;
import io.memflow.serving.epicache.LayerBudgets;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The inference tier's logic on the real stories260K model from ../shared (required). */
class EpisodicEngineTest {
    static LlamaModel model;
    static InferenceSettings settings;

    @BeforeAll
    static void load() throws Exception {
        Path path = TestData.storiesModel();
        model = LlamaModel.load(path, 1, Kernels.preferred());
        settings = TestData.storiesInference(3, 12);
    }

    @AfterAll
    static void close() throws Exception {
        model.close();
    }

    private static EpisodicEngine engine(KvPool pool) {
        int[] budgets = LayerBudgets.uniform(model.config().layers(), settings.budget());
        return new EpisodicEngine(model, new HashingEmbedder(256), settings, budgets, pool);
    }

    /** Three topics, each over several windows of 4 utterances, interleaved in time. */
    static List<String> conversation(int rounds) {
        String[][] topics = {
            {"The dog ran in the park with a red ball.", "The dog barked at the big cat."},
            {"Lily baked a cake with sugar and milk.", "The cake was sweet and the milk cold."},
            {"The boat sailed on the blue sea.", "The sea was calm and the boat was slow."}
        };
        List<String> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (String[] t : topics) {
                for (int i = 0; i < 4; i++) {
                    out.add(EpisodicEngine.utterance(i % 2 == 0 ? "Ann" : "Ben", t[i % 2]));
                }
            }
        }
        return out;
    }

    @Test
    void episodesFitTheContextAndRouteToTheNearestCentroid() {
        EpisodicEngine e = engine(new KvPool(64L << 20));
        List<EpisodeMeta> eps = e.build(conversation(6)); // 72 utterances: more than fits
        assertThat(eps).hasSizeBetween(2, 3);
        int ctx = model.config().contextLength();
        for (EpisodeMeta m : eps) {
            assertThat(m.getContextTokens().size())
                    .isPositive()
                    .isLessThanOrEqualTo(ctx - e.reserve());
            assertThat(m.getPromptTokens()).isNotEmpty();
        }
        // the question shares words with exactly one topic; it must go to the episode whose
        // centroid is nearest by the same embedder
        String q = "Where did the boat sail on the sea?";
        int routed = e.route(q, eps);
        float[] qv = new HashingEmbedder(256).embed(List.of(q))[0];
        double best = Double.NEGATIVE_INFINITY;
        int expected = -1;
        for (int i = 0; i < eps.size(); i++) {
            double dot = 0;
            double n = 0;
            double nq = 0;
            List<Float> c = eps.get(i).getCentroid();
            for (int d = 0; d < qv.length; d++) {
                dot += qv[d] * c.get(d);
                n += c.get(d) * c.get(d);
                nq += qv[d] * qv[d];
            }
            double cos = dot / Math.sqrt(n * nq);
            if (cos > best) {
                best = cos;
                expected = i;
            }
        }
        assertThat(routed).isEqualTo(expected);
    }

    @Test
    void aRebuiltCacheAnswersExactlyLikeThePooledOneAndStaysWithinBudget() {
        KvPool pool = new KvPool(64L << 20);
        EpisodicEngine e = engine(pool);
        List<EpisodeMeta> eps = e.build(conversation(6));
        EpisodeMeta ep = eps.get(0);
        List<String> memories = List.of("Ann: the dog likes the red ball");
        String q = "What does the dog like?";

        EpisodicEngine.Generation first = e.generate("t|u#1#0", ep, q, memories);
        assertThat(first.rebuilt()).isTrue();
        assertThat(first.tokens()).isNotEmpty();
        assertThat(first.text()).isNotBlank();
        KvCache pooled = pool.get("t|u#1#0");
        int[] sizes = new int[pooled.layers()];
        for (int l = 0; l < sizes.length; l++) {
            sizes[l] = pooled.size(l);
            // the context is longer than the budget: each layer keeps exactly its budget
            assertThat(sizes[l]).isEqualTo(settings.budget());
        }

        EpisodicEngine.Generation again = e.generate("t|u#1#0", ep, q, memories);
        assertThat(again.rebuilt()).as("second question reuses the pooled cache").isFalse();
        assertThat(again.tokens()).containsExactly(first.tokens());
        KvCache after = pool.get("t|u#1#0");
        for (int l = 0; l < sizes.length; l++) {
            assertThat(after.size(l)).as("question and answer dropped again").isEqualTo(sizes[l]);
        }

        // a fresh pool (a restore, a new TaskManager) rebuilds from the token ids alone
        KvPool fresh = new KvPool(64L << 20);
        EpisodicEngine.Generation rebuilt = engine(fresh).generate("t|u#1#0", ep, q, memories);
        assertThat(rebuilt.rebuilt()).isTrue();
        assertThat(rebuilt.tokens()).containsExactly(first.tokens());
        assertThat(rebuilt.text()).isEqualTo(first.text());
        assertThat(fresh.bytesInUse())
                .isEqualTo(
                        (long) settings.budget() * model.config().layers() * after.bytesPerEntry());
    }

    @Test
    void aUserWithoutUtterancesStillGetsAnAnswer() {
        KvPool pool = new KvPool(64L << 20);
        EpisodicEngine e = engine(pool);
        assertThat(e.build(List.of())).isEmpty();
        EpisodicEngine.Generation g = e.generate("t|u#none", null, "Who is Lily?", List.of());
        assertThat(g.tokens()).isNotEmpty();
        assertThat(pool.size()).as("nothing to pool without an episode").isZero();
    }
}
