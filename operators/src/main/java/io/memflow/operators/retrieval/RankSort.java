package io.memflow.operators.retrieval;

/**
 * Sorts parallel primitive arrays by {@code (key, tie)} ascending, carrying {@code slot} along: the
 * ranking's hot sort, without boxing or comparator calls. Quicksort (median of three) with
 * insertion sort for short ranges; {@code tie} values are distinct, so the order is total and
 * stability does not matter.
 */
final class RankSort {
    private RankSort() {}

    static void sort(long[] key, int[] tie, int[] slot, int n) {
        sort(key, tie, slot, 0, n - 1);
    }

    private static void sort(long[] key, int[] tie, int[] slot, int lo, int hi) {
        while (hi - lo > 16) {
            int mid = (lo + hi) >>> 1;
            if (less(key, tie, mid, lo)) {
                swap(key, tie, slot, mid, lo);
            }
            if (less(key, tie, hi, lo)) {
                swap(key, tie, slot, hi, lo);
            }
            if (less(key, tie, hi, mid)) {
                swap(key, tie, slot, hi, mid);
            }
            long pk = key[mid];
            int pt = tie[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (key[i] < pk || (key[i] == pk && tie[i] < pt)) {
                    i++;
                }
                while (key[j] > pk || (key[j] == pk && tie[j] > pt)) {
                    j--;
                }
                if (i <= j) {
                    swap(key, tie, slot, i++, j--);
                }
            }
            // recurse into the smaller side, loop on the larger: stack depth stays O(log n)
            if (j - lo < hi - i) {
                sort(key, tie, slot, lo, j);
                lo = i;
            } else {
                sort(key, tie, slot, i, hi);
                hi = j;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            for (int j = i; j > lo && less(key, tie, j, j - 1); j--) {
                swap(key, tie, slot, j, j - 1);
            }
        }
    }

    private static boolean less(long[] key, int[] tie, int a, int b) {
        return key[a] < key[b] || (key[a] == key[b] && tie[a] < tie[b]);
    }

    private static void swap(long[] key, int[] tie, int[] slot, int a, int b) {
        long k = key[a];
        key[a] = key[b];
        key[b] = k;
        int t = tie[a];
        tie[a] = tie[b];
        tie[b] = t;
        int s = slot[a];
        slot[a] = slot[b];
        slot[b] = s;
    }
}
