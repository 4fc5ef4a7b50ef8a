package io.memflow.operators.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.embedding.Vectors;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An index kept up to date change by change (as {@code serve} keeps one per user) ranks exactly as
 * a fresh ranking over the final memories (as the job ranks), whatever the order the changes came
 * in and the slots they left behind.
 */
class MemoryIndexTest {
    static final String[] WORDS =
            ("dog Pepper park Seattle Boston moved job analyst sister Lena Chicago concert tickets"
                            + " July river Sunday beagle trip Lisbon coffee")
                    .split(" ");
    static final RetrieverTest.TopicEmbedder EMBEDDER = new RetrieverTest.TopicEmbedder();

    static MemoryRecord record(String id, int day, String text, MemoryStatus status, String subj) {
        Instant t = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(86_400L * day);
        float[] v = EMBEDDER.embed(text);
        float scale = Vectors.scale(v);
        return MemoryRecord.newBuilder()
                .setMemoryId(id)
                .setTenantId("t")
                .setUserId("u")
                .setText(text)
                .setSubject(subj)
                .setEventTime(t)
                .setValidFrom(t)
                .setLastAccessTime(t)
                .setSourceTurnIds(List.of("turn-" + id))
                .setVersion(1)
                .setStatus(status)
                .setEmbedding(Vectors.quantize(v, scale))
                .setEmbeddingScale(scale)
                .setEmbeddingModel(EMBEDDER.modelId())
                .build();
    }

    @Test
    void anIndexUpdatedChangeByChangeRanksLikeAFreshOne() {
        Random rnd = new Random(7);
        MemoryIndex index = new MemoryIndex(EMBEDDER.modelId());
        Map<String, MemoryRecord> current = new LinkedHashMap<>();
        MemoryStatus[] statuses = MemoryStatus.values();
        for (int step = 0; step < 600; step++) {
            String id = "m" + rnd.nextInt(150);
            if (rnd.nextInt(6) == 0) {
                index.remove(id);
                current.remove(id);
                continue;
            }
            StringBuilder text = new StringBuilder("Ann:");
            for (int w = 0; w < 3 + rnd.nextInt(6); w++) {
                text.append(' ').append(WORDS[rnd.nextInt(WORDS.length)]);
            }
            MemoryStatus status = statuses[rnd.nextInt(10) < 7 ? 0 : rnd.nextInt(statuses.length)];
            MemoryRecord r =
                    record(
                            id,
                            rnd.nextInt(60),
                            text.toString(),
                            status,
                            rnd.nextBoolean() ? "Ann|" + rnd.nextInt(5) : null);
            index.put(r);
            current.put(id, r);
        }
        List<MemoryRecord> rankable = new ArrayList<>();
        for (MemoryRecord r : current.values()) {
            if (r.getStatus() == MemoryStatus.ACTIVE || r.getStatus() == MemoryStatus.SUPERSEDED) {
                rankable.add(r);
            }
        }
        assertThat(index.size()).isEqualTo(rankable.size());

        long now = Instant.parse("2024-03-15T00:00:00Z").toEpochMilli();
        for (Retriever retriever : List.of(new Retriever(), new Retriever(EMBEDDER))) {
            for (String q :
                    List.of(
                            "Where did Ann move?",
                            "Tell me about the canine",
                            "What happened last month with the concert?",
                            "Pepper park river Sunday")) {
                List<RetrievedMemory> fresh =
                        retriever
                                .retrieve(q, now, current.values().stream().toList(), List.of(), 20)
                                .memories();
                List<RetrievedMemory> kept = retriever.retrieve(q, now, index, 20).memories();
                // BM25 alone finds nothing for the paraphrase; everything else must find something
                assertThat(fresh.isEmpty()).isEqualTo(!retriever.isDense() && q.contains("canine"));
                assertThat(kept)
                        .extracting(RetrievedMemory::getMemoryId)
                        .containsExactlyElementsOf(
                                fresh.stream().map(RetrievedMemory::getMemoryId).toList());
                assertThat(kept)
                        .extracting(RetrievedMemory::getScore)
                        .containsExactlyElementsOf(
                                fresh.stream().map(RetrievedMemory::getScore).toList());
            }
        }
    }

    @Test
    void inputOrderDoesNotChangeTheRanking() {
        List<MemoryRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // many equal BM25 scores: ties must not be broken by position
            records.add(record("m" + i, i % 3, "Ann: my dog Pepper", MemoryStatus.ACTIVE, null));
        }
        List<MemoryRecord> reversed = new ArrayList<>(records);
        java.util.Collections.reverse(reversed);
        long now = Instant.parse("2024-03-15T00:00:00Z").toEpochMilli();
        Retriever r = new Retriever(EMBEDDER);
        assertThat(r.retrieve("Pepper", now, reversed, List.of(), 10).memories())
                .isEqualTo(r.retrieve("Pepper", now, records, List.of(), 10).memories());
    }
}
