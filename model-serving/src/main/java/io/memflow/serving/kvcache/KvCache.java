package io.memflow.serving.kvcache;

import java.util.Arrays;

/**
 * The keys and values of one sequence, per layer, each entry tagged with the token position it was
 * computed at. Keys are stored after RoPE, so dropping entries never requires re-rotating the
 * survivors: the cache can hold any subset of positions, and each layer may hold a different subset
 * (layer-wise budgets).
 *
 * <p>The forward pass {@link #append appends}; attention reads slots {@code 0 .. size(layer)}; a
 * caller may drop entries at any time between forward calls with {@link #retain} or {@link #drop}.
 * Within a layer, positions are strictly increasing by slot.
 *
 * <p>Storage grows by doubling up to {@link #capacity()} entries per layer. Not thread-safe: one
 * sequence is driven by one caller.
 */
public final class KvCache {
    /** Bytes per stored entry and layer besides the vectors: the int position. */
    private static final int POSITION_BYTES = Integer.BYTES;

    private final int layers;
    private final int kvDim;
    private final int capacity;

    private final int[][] positions; // (layer, allocated) position of each slot
    private final float[][] keys; // (layer, allocated * kvDim)
    private final float[][] values; // (layer, allocated * kvDim)
    private final int[] sizes; // (layer) slots in use
    private long peakBytesInUse;

    /**
     * @param layers transformer layers
     * @param kvDim key (and value) width of one token in one layer: kvHeads * headSize
     * @param capacity most entries any layer may hold (usually the model's context length)
     */
    public KvCache(int layers, int kvDim, int capacity) {
        this(layers, kvDim, capacity, 64);
    }

    /**
     * Like {@link #KvCache(int, int, int)} with room for {@code expectedEntries} per layer from the
     * start. Why: a layer that outgrows its arrays is copied into arrays twice as large, and on a
     * VM each fresh megabyte costs page faults on first touch (issue 15 measured the growth of a
     * stories110M cache from 128 to 384 entries at about 1 ms per decoded token); a caller that
     * knows its prompt and token budget sizes the cache once.
     *
     * @param expectedEntries entries per layer to allocate now (at most {@code capacity}); more
     *     still fit, by growing
     */
    public KvCache(int layers, int kvDim, int capacity, int expectedEntries) {
        if (layers < 1 || kvDim < 1 || capacity < 1) {
            throw new IllegalArgumentException(
                    "bad KV cache shape " + layers + " x " + kvDim + " x " + capacity);
        }
        this.layers = layers;
        this.kvDim = kvDim;
        this.capacity = capacity;
        this.positions = new int[layers][];
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.sizes = new int[layers];
        int initial = Math.min(capacity, Math.max(1, expectedEntries));
        for (int l = 0; l < layers; l++) {
            positions[l] = new int[initial];
            keys[l] = new float[initial * kvDim];
            values[l] = new float[initial * kvDim];
        }
    }

    public int layers() {
        return layers;
    }

    public int kvDim() {
        return kvDim;
    }

    public int capacity() {
        return capacity;
    }

    /** Entries held by {@code layer}. */
    public int size(int layer) {
        return sizes[layer];
    }

    /** The positions held by {@code layer}, ascending; index i is slot i. A copy. */
    public int[] positions(int layer) {
        return Arrays.copyOf(positions[layer], sizes[layer]);
    }

    /** Position stored in {@code slot} of {@code layer}. */
    public int position(int layer, int slot) {
        return positions[layer][slot];
    }

    /** Highest position in any layer, or -1 when empty. */
    public int maxPosition() {
        int max = -1;
        for (int l = 0; l < layers; l++) {
            if (sizes[l] > 0) {
                max = Math.max(max, positions[l][sizes[l] - 1]);
            }
        }
        return max;
    }

    /**
     * Raw key storage of {@code layer}: slot s occupies [s * kvDim, (s + 1) * kvDim). For the
     * attention kernels; valid until the next append, retain or drop.
     */
    public float[] keys(int layer) {
        return keys[layer];
    }

    /** Raw value storage of {@code layer}, laid out like {@link #keys}. */
    public float[] values(int layer) {
        return values[layer];
    }

    /** Appends one entry; {@code position} must exceed every position already in the layer. */
    public void append(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        int n = sizes[layer];
        if (n > 0 && positions[layer][n - 1] >= position) {
            throw new IllegalArgumentException(
                    "layer "
                            + layer
                            + ": position "
                            + position
                            + " is not after the last cached position "
                            + positions[layer][n - 1]);
        }
        if (n == capacity) {
            throw new IllegalStateException(
                    "KV cache full: layer " + layer + " holds " + n + " entries (capacity)");
        }
        if (n == positions[layer].length) {
            grow(layer);
        }
        positions[layer][n] = position;
        System.arraycopy(k, kOffset, keys[layer], n * kvDim, kvDim);
        System.arraycopy(v, vOffset, values[layer], n * kvDim, kvDim);
        sizes[layer] = n + 1;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse());
    }

    private void grow(int layer) {
        int newLength = Math.min(capacity, positions[layer].length * 2);
        positions[layer] = Arrays.copyOf(positions[layer], newLength);
        keys[layer] = Arrays.copyOf(keys[layer], newLength * kvDim);
        values[layer] = Arrays.copyOf(values[layer], newLength * kvDim);
    }

    /**
     * Keeps in {@code layer} only the entries whose position is in {@code positionsToKeep} (any
     * order, unknown positions ignored); survivors keep their relative order.
     *
     * @return the number of entries dropped
     */
    public int retain(int layer, int[] positionsToKeep) {
        int[] keep = positionsToKeep.clone();
        Arrays.sort(keep);
        int n = sizes[layer];
        int out = 0;
        for (int slot = 0; slot < n; slot++) {
            if (Arrays.binarySearch(keep, positions[layer][slot]) >= 0) {
                moveSlot(layer, slot, out++);
            }
        }
        sizes[layer] = out;
        return n - out;
    }

    /** Drops {@code positionsToDrop} from every layer; returns the number of entries dropped. */
    public int drop(int[] positionsToDrop) {
        int[] gone = positionsToDrop.clone();
        Arrays.sort(gone);
        int dropped = 0;
        for (int l = 0; l < layers; l++) {
            int n = sizes[l];
            int out = 0;
            for (int slot = 0; slot < n; slot++) {
                if (Arrays.binarySearch(gone, positions[l][slot]) < 0) {
                    moveSlot(l, slot, out++);
                }
            }
            sizes[l] = out;
            dropped += n - out;
        }
        return dropped;
    }

    private void moveSlot(int layer, int from, int to) {
        if (from != to) {
            positions[layer][to] = positions[layer][from];
            System.arraycopy(keys[layer], from * kvDim, keys[layer], to * kvDim, kvDim);
            System.arraycopy(values[layer], from * kvDim, values[layer], to * kvDim, kvDim);
        }
    }

    /**
     * A copy holding only the live entries, with arrays no larger than the entries need (same
     * capacity). Prefill grows a cache's arrays to budget + block plus a scoring prompt, and an
     * answer to budget + question + answer; what a pool keeps between uses should be the budgeted
     * entries only.
     */
    public KvCache compact() {
        KvCache out = new KvCache(layers, kvDim, capacity);
        for (int l = 0; l < layers; l++) {
            for (int slot = 0; slot < sizes[l]; slot++) {
                out.append(l, positions[l][slot], keys[l], slot * kvDim, values[l], slot * kvDim);
            }
        }
        return out;
    }

    /** Empties every layer (allocated storage is kept for reuse). */
    public void clear() {
        Arrays.fill(sizes, 0);
    }

    /** Bytes of one entry in one layer: key + value floats + the position. */
    public int bytesPerEntry() {
        return 2 * kvDim * Float.BYTES + POSITION_BYTES;
    }

    /** Bytes of the entries currently held, over all layers. */
    public long bytesInUse() {
        long entries = 0;
        for (int l = 0; l < layers; l++) {
            entries += sizes[l];
        }
        return entries * bytesPerEntry();
    }

    /** Highest {@link #bytesInUse()} seen since construction or {@link #resetPeak()}. */
    public long peakBytesInUse() {
        return peakBytesInUse;
    }

    public void resetPeak() {
        peakBytesInUse = bytesInUse();
    }

    /** Bytes of the arrays allocated (held even after entries are dropped). */
    public long bytesAllocated() {
        long slots = 0;
        for (int l = 0; l < layers; l++) {
            slots += positions[l].length;
        }
        return slots * bytesPerEntry();
    }
}
