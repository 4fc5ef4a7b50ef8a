package io.memflow.operators.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The primitive rank sort against a boxed sort with the same comparator. */
class RankSortTest {
    @Test
    void sortsLikeTheBoxedReferenceWithManyEqualKeys() {
        Random rnd = new Random(3);
        for (int n : new int[] {0, 1, 2, 17, 100, 5000}) {
            long[] key = new long[n];
            int[] tie = new int[n];
            int[] slot = new int[n];
            Integer[] ref = new Integer[n];
            for (int i = 0; i < n; i++) {
                key[i] = rnd.nextInt(1 + n / 10) - n / 20; // many duplicates, some negative
                slot[i] = i;
                ref[i] = i;
            }
            int[] perm = rnd.ints(0, Integer.MAX_VALUE).distinct().limit(n).toArray();
            System.arraycopy(perm, 0, tie, 0, n);
            long[] k0 = key.clone();
            int[] t0 = tie.clone();
            Arrays.sort(
                    ref,
                    Comparator.<Integer>comparingLong(i -> k0[i]).thenComparingInt(i -> t0[i]));
            RankSort.sort(key, tie, slot, n);
            assertThat(slot).containsExactly(Arrays.stream(ref).mapToInt(i -> i).toArray());
        }
    }
}
