package io.memflow.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.kvcache.KvCache;
import org.junit.jupiter.api.Test;

class KvPoolTest {
    /** A one-layer cache of {@code entries} entries: 64 slots allocated (the initial size). */
    private static KvCache cache(int entries) {
        KvCache c = new KvCache(1, 2, 512);
        float[] kv = {1f, 2f};
        for (int i = 0; i < entries; i++) {
            c.append(0, i, kv, 0, kv, 0);
        }
        return c;
    }

    @Test
    void evictsLeastRecentlyUsedPastTheBudget() {
        long one = cache(1).bytesAllocated();
        KvPool pool = new KvPool(3 * one);
        pool.put("a#1#0", cache(1));
        pool.put("b#1#0", cache(1));
        pool.put("c#1#0", cache(1));
        assertThat(pool.get("a#1#0")).isNotNull(); // a is now the most recent
        pool.put("d#1#0", cache(1));

        assertThat(pool.get("b#1#0")).as("least recently used").isNull();
        assertThat(pool.get("a#1#0")).isNotNull();
        assertThat(pool.get("c#1#0")).isNotNull();
        assertThat(pool.get("d#1#0")).isNotNull();
        assertThat(pool.evictions()).isEqualTo(1);
        assertThat(pool.builds()).isEqualTo(4);
        assertThat(pool.bytesAllocated())
                .isEqualTo(3 * one)
                .isLessThanOrEqualTo(pool.budgetBytes());
    }

    @Test
    void bytesInUseCountEntriesNotSlots() {
        KvPool pool = new KvPool(1 << 20);
        KvCache c = cache(10);
        pool.put("a#1#0", c);
        assertThat(pool.bytesInUse()).isEqualTo(10L * c.bytesPerEntry());
        assertThat(pool.bytesAllocated())
                .isEqualTo(c.bytesAllocated())
                .isGreaterThan(pool.bytesInUse());
    }

    @Test
    void aCacheThatGrewWhileAnsweringIsReaccountedOnReplace() {
        KvPool pool = new KvPool(1 << 20);
        KvCache c = cache(10);
        pool.put("a#1#0", c);
        float[] kv = {1f, 2f};
        for (int i = 10; i < 200; i++) { // an answer appends entries: the arrays grow
            c.append(0, i, kv, 0, kv, 0);
        }
        KvCache compacted = cache(10).compact();
        pool.replace("a#1#0", compacted);
        assertThat(pool.bytesAllocated()).isEqualTo(compacted.bytesAllocated());
    }

    @Test
    void aCacheLargerThanTheBudgetIsNotKept() {
        KvCache big = cache(100); // grows past the initial 64 slots
        KvPool pool = new KvPool(cache(1).bytesAllocated());
        pool.put("a#1#0", cache(1));
        pool.put("b#1#0", big);
        assertThat(pool.get("b#1#0")).isNull();
        assertThat(pool.size()).isZero();
        assertThat(pool.bytesAllocated()).isZero();
    }

    @Test
    void replaceReaccountsAndInvalidateDropsOneUsersCaches() {
        KvPool pool = new KvPool(1 << 20);
        pool.put("t|u#1#0", cache(100));
        pool.put("t|u#1#1", cache(1));
        pool.put("t|v#1#0", cache(1));
        long before = pool.bytesAllocated();
        pool.replace("t|u#1#0", cache(10).compact());
        assertThat(pool.bytesAllocated()).isLessThan(before);
        assertThat(pool.builds()).as("a replace is no build").isEqualTo(3);

        assertThat(pool.invalidate("t|u#")).isEqualTo(2);
        assertThat(pool.get("t|u#1#0")).isNull();
        assertThat(pool.get("t|v#1#0")).isNotNull();
        assertThat(pool.bytesAllocated()).isEqualTo(cache(1).bytesAllocated());
    }
}
