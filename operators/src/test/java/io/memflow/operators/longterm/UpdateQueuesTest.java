package io.memflow.operators.longterm;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.embedding.Vectors;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpdateQueuesTest {
    static final Instant T0 = Instant.parse("2024-03-04T10:00:00Z");

    /** A memory at minute {@code minute} whose 2-d embedding is at {@code angle} radians. */
    static MemoryRecord at(String id, int minute, double angle) {
        float[] v = {(float) Math.cos(angle), (float) Math.sin(angle)};
        float scale = Vectors.scale(v);
        Instant t = T0.plusSeconds(60L * minute);
        return MemoryRecord.newBuilder()
                .setMemoryId(id)
                .setTenantId("t")
                .setUserId("u")
                .setText("text " + id)
                .setEventTime(t)
                .setValidFrom(t)
                .setSourceTurnIds(List.of(id))
                .setLastAccessTime(t)
                .setVersion(1)
                .setStatus(MemoryStatus.ACTIVE)
                .setEmbedding(Vectors.quantize(v, scale))
                .setEmbeddingScale(scale)
                .build();
    }

    @Test
    void queueHoldsTheTenMostSimilarOlderEntriesOnly() {
        MemoryRecord target = at("target", 100, 0.0);
        List<MemoryRecord> pool = new ArrayList<>();
        // 30 older entries, o00 the most similar (smallest angle), o29 the least
        for (int i = 0; i < 30; i++) {
            pool.add(at(String.format("o%02d", i), 99 - i, 0.05 * i));
        }
        // newer entries, even identical ones, never enter an older entry's queue
        pool.add(at("newer-twin", 101, 0.0));
        pool.add(at("newer-far", 102, 1.5));
        pool.add(target);

        List<UpdateQueues.Neighbor> q = new UpdateQueues().queue(target, pool);

        assertThat(q).hasSize(UpdateQueues.KEEP);
        assertThat(q)
                .extracting(n -> n.record().getMemoryId())
                .containsExactly(
                        "o00", "o01", "o02", "o03", "o04", "o05", "o06", "o07", "o08", "o09");
        assertThat(q.get(0).similarity()).isGreaterThan(0.99);
        for (int i = 1; i < q.size(); i++) {
            assertThat(q.get(i).similarity()).isLessThanOrEqualTo(q.get(i - 1).similarity());
        }
    }

    @Test
    void queueOfTheOldestEntryIsEmptyAndSmallStoresGiveShortQueues() {
        MemoryRecord first = at("a", 0, 0.0);
        MemoryRecord second = at("b", 1, 3.0);
        MemoryRecord third = at("c", 2, 0.1);
        List<MemoryRecord> pool = List.of(first, second, third);
        UpdateQueues queues = new UpdateQueues();
        assertThat(queues.queue(first, pool)).isEmpty();
        // only two older entries: both are in the queue, however dissimilar
        assertThat(queues.queue(third, pool))
                .extracting(n -> n.record().getMemoryId())
                .containsExactly("a", "b");
    }

    @Test
    void withoutEmbeddingsTermsAreCompared() {
        MemoryRecord a = at("a", 0, 0.0);
        MemoryRecord b = at("b", 1, 0.0);
        a.setEmbedding(null);
        a.setText("Ann: allergic to peanuts");
        b.setText("Ann: allergic to peanuts and shellfish");
        // {ann, allergic, peanut} vs {ann, allergic, peanut, shellfish}
        assertThat(new UpdateQueues().similarity(a, b)).isEqualTo(0.75);
    }
}
