package io.memflow.serving.epicache;

/**
 * What a block-wise prefill cost in memory.
 *
 * @param peakEntries per layer, the most context entries held at once (right after a block)
 * @param peakContextBytes the most bytes of context entries held at once, over all layers
 * @param peakBytes the cache's own peak, including a scorer's transient entries (patched prompt)
 * @param retainedBytes bytes held when the prefill finished
 * @param nextPosition the position after the last prefilled token
 */
public record PrefillStats(
        int[] peakEntries,
        long peakContextBytes,
        long peakBytes,
        long retainedBytes,
        int nextPosition) {}
