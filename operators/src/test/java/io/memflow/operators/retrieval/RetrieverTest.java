package io.memflow.operators.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.serving.embedding.TextEmbedder;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class RetrieverTest {

    /** A fake embedder: one dimension per topic word, so "canine" is close to "dog". */
    static final class TopicEmbedder implements TextEmbedder {
        @Override
        public float[][] embed(List<String> texts) {
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i).toLowerCase(Locale.ROOT);
                float[] v = {
                    t.contains("dog") || t.contains("canine") || t.contains("pepper") ? 1 : 0,
                    t.contains("city") || t.contains("seattle") || t.contains("boston") ? 1 : 0,
                    0.1f
                };
                out[i] = io.memflow.operators.embedding.Vectors.normalize(v);
            }
            return out;
        }

        @Override
        public int dimension() {
            return 3;
        }

        @Override
        public String modelId() {
            return "topic-words-3";
        }
    }

    static MemoryRecord mem(String id, String time, String text) {
        Instant t = Instant.parse(time);
        return MemoryRecord.newBuilder()
                .setMemoryId(id)
                .setTenantId("t")
                .setUserId("u")
                .setText(text)
                .setEventTime(t)
                .setValidFrom(t)
                .setLastAccessTime(t)
                .setSourceTurnIds(List.of(id))
                .setVersion(1)
                .setStatus(MemoryStatus.ACTIVE)
                .build();
    }

    final List<MemoryRecord> memories =
            List.of(
                    mem("a", "2023-05-08T10:00:00Z", "Ann: my dog Pepper loves the park"),
                    mem("b", "2023-06-10T10:00:00Z", "Ann: we moved to Seattle"),
                    mem("c", "2023-06-12T10:00:00Z", "Ann: Pepper chased a squirrel"));

    @Test
    void denseRankingFindsParaphrasesThatBm25Misses() {
        long now = Instant.parse("2023-06-14T10:00:00Z").toEpochMilli();
        List<RetrievedMemory> bm25 =
                new Retriever()
                        .retrieve("Tell me about the canine", now, memories, List.of(), 3)
                        .memories();
        assertThat(bm25).isEmpty();
        List<RetrievedMemory> hybrid =
                new Retriever(new TopicEmbedder())
                        .retrieve("Tell me about the canine", now, memories, List.of(), 2)
                        .memories();
        assertThat(hybrid)
                .extracting(RetrievedMemory::getMemoryId)
                .containsExactlyInAnyOrder("c", "a");
    }

    @Test
    void aNamedTimeRangeRanksItsMemoriesFirstAndIsReported() {
        long now = Instant.parse("2023-06-14T10:00:00Z").toEpochMilli();
        Retriever.Result r =
                new Retriever(new TopicEmbedder())
                        .retrieve("What did Pepper do in May 2023?", now, memories, List.of(), 3);
        assertThat(r.memories().get(0).getMemoryId()).isEqualTo("a");
        assertThat(r.from()).isEqualTo(Instant.parse("2023-05-01T00:00:00Z").toEpochMilli());
        assertThat(r.to()).isEqualTo(Instant.parse("2023-06-01T00:00:00Z").toEpochMilli());
        // an empty range falls back to everything
        Retriever.Result none =
                new Retriever(new TopicEmbedder())
                        .retrieve("What did Pepper do in 2019?", now, memories, List.of(), 3);
        assertThat(none.memories()).isNotEmpty();
    }

    @Test
    void rrfFusesRanksNotScores() {
        double[] fused =
                Retriever.fuse(
                        new double[] {5.0, 0.0, 1.0},
                        new double[] {0.1, 0.9, 0.5},
                        MemflowOptions.DENSE_WEIGHT.defaultValue());
        // doc 0: bm25 rank 1 + dense rank 3; doc 2: bm25 rank 2 + dense rank 2; doc 1: dense rank 1
        double w = MemflowOptions.DENSE_WEIGHT.defaultValue();
        assertThat(fused[0]).isEqualTo(1.0 / 61 + w / 63);
        assertThat(fused[2]).isEqualTo(1.0 / 62 + w / 62);
        assertThat(fused[1]).isEqualTo(w / 61);
    }
}
