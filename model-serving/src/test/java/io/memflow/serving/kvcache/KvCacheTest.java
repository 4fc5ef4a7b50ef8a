package io.memflow.serving.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KvCacheTest {

    @Test
    void appendsRetainsAndAccountsBytes() {
        KvCache c = new KvCache(2, 4, 100);
        for (int p = 0; p < 10; p++) {
            float[] k = {p, p, p, p};
            float[] v = {-p, -p, -p, -p};
            c.append(0, p, k, 0, v, 0);
            c.append(1, p, k, 0, v, 0);
        }
        int perEntry = 2 * 4 * 4 + 4;
        assertThat(c.bytesPerEntry()).isEqualTo(perEntry);
        assertThat(c.bytesInUse()).isEqualTo(20L * perEntry);

        assertThat(c.retain(0, new int[] {7, 2, 9, 42})).isEqualTo(7);
        assertThat(c.positions(0)).containsExactly(2, 7, 9);
        assertThat(c.keys(0)[4]).isEqualTo(7f); // slot 1 now holds position 7
        assertThat(c.values(0)[8]).isEqualTo(-9f);
        assertThat(c.positions(1)).hasSize(10); // layers are independent
        assertThat(c.bytesInUse()).isEqualTo(13L * perEntry);
        assertThat(c.peakBytesInUse()).isEqualTo(20L * perEntry);

        assertThat(c.drop(new int[] {9, 0})).isEqualTo(3);
        assertThat(c.positions(0)).containsExactly(2, 7);
        assertThat(c.positions(1)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(c.maxPosition()).isEqualTo(8);
        c.resetPeak();
        assertThat(c.peakBytesInUse()).isEqualTo(10L * perEntry);
    }

    @Test
    void presizedCacheHoldsItsExpectedEntriesWithoutGrowingAndStillGrowsBeyond() {
        KvCache c = new KvCache(2, 4, 1000, 300);
        long allocated = c.bytesAllocated();
        assertThat(allocated).isEqualTo(2L * 300 * c.bytesPerEntry());
        float[] k = new float[4];
        for (int p = 0; p < 300; p++) {
            k[0] = p;
            c.append(0, p, k, 0, k, 0);
            c.append(1, p, k, 0, k, 0);
        }
        assertThat(c.bytesAllocated()).isEqualTo(allocated); // no growth up to the hint
        c.append(0, 300, k, 0, k, 0); // one more: grows, keeps the entries
        assertThat(c.bytesAllocated()).isGreaterThan(allocated);
        assertThat(c.keys(0)[299 * 4]).isEqualTo(299f);
        assertThat(c.size(0)).isEqualTo(301);
        // the hint is capped by the capacity, and a cleared cache keeps its storage for reuse
        assertThat(new KvCache(1, 4, 10, 300).bytesAllocated()).isEqualTo(10L * c.bytesPerEntry());
        c.clear();
        assertThat(c.size(0)).isZero();
        assertThat(c.bytesAllocated()).isGreaterThan(allocated);
    }

    @Test
    void rejectsOutOfOrderPositionsAndOverflow() {
        KvCache c = new KvCache(1, 2, 2);
        float[] z = new float[2];
        c.append(0, 5, z, 0, z, 0);
        assertThatThrownBy(() -> c.append(0, 5, z, 0, z, 0))
                .hasMessageContaining("not after the last cached position 5");
        c.append(0, 6, z, 0, z, 0);
        assertThatThrownBy(() -> c.append(0, 7, z, 0, z, 0)).hasMessageContaining("KV cache full");
    }

    @Test
    void compactKeepsLiveEntriesInSmallerArrays() {
        KvCache c = new KvCache(2, 3, 512);
        for (int p = 0; p < 200; p++) {
            float[] k = {p, p + 0.25f, p + 0.5f};
            float[] v = {-p, -p - 0.25f, -p - 0.5f};
            c.append(0, p, k, 0, v, 0);
            c.append(1, p, k, 0, v, 0);
        }
        int[] gone = new int[190];
        for (int i = 0; i < gone.length; i++) {
            gone[i] = i + 5; // keep 0..4 and 195..199
        }
        c.drop(gone);

        KvCache small = c.compact();

        assertThat(small.bytesAllocated()).isLessThan(c.bytesAllocated());
        assertThat(small.capacity()).isEqualTo(c.capacity());
        for (int l = 0; l < 2; l++) {
            assertThat(small.positions(l)).containsExactly(c.positions(l));
            assertThat(Arrays.copyOf(small.keys(l), 10 * 3))
                    .containsExactly(Arrays.copyOf(c.keys(l), 10 * 3));
            assertThat(Arrays.copyOf(small.values(l), 10 * 3))
                    .containsExactly(Arrays.copyOf(c.values(l), 10 * 3));
        }
    }

    @Test
    void recorderKeepsMaxPerKvHead() {
        AttentionRecorder r = new AttentionRecorder(1, 2).watch(3);
        assertThat(r.isWatched(3)).isTrue();
        assertThat(r.isWatched(4)).isFalse();
        r.record(0, 1, new float[] {0.1f, 0.9f}, 0, 2);
        r.record(0, 1, new float[] {0.5f, 0.2f, 0.3f}, 0, 3);
        assertThat(r.scores(0)[1]).containsExactly(0.5f, 0.9f, 0.3f);
        assertThat(r.maxScores(0, 3)).containsExactly(0.5f, 0.9f, 0.3f);
        r.reset();
        assertThat(r.scores(0)[1]).isEmpty();
    }
}
