package io.memflow.operators.inference;

import io.memflow.serving.kvcache.KvCache;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine-side home of every episode's KV cache on one TaskManager: a byte budget shared by all
 * users, least recently used caches evicted first. Caches are never put in Flink state (they are
 * large and derived); an evicted or lost cache is rebuilt from the token ids the keyed state keeps.
 *
 * <p>The budget counts {@link KvCache#bytesAllocated()}, the heap a cache really holds. A single
 * cache larger than the whole budget is still handed out for its one answer and then dropped.
 * Thread-safe: the generation executor and metric reporters call it from different threads.
 */
public final class KvPool {
    private final long budgetBytes;

    /** Access-ordered: iteration starts at the least recently used. */
    private final LinkedHashMap<String, Entry> caches = new LinkedHashMap<>(16, 0.75f, true);

    private long allocated;
    private long evictions;
    private long builds;

    /**
     * A pooled cache and the bytes it was accounted with: a cache grows while it answers, so its
     * size now may differ from what the pool counted when it was inserted.
     */
    private record Entry(KvCache cache, long bytes, long fullBytes) {}

    public KvPool(long budgetBytes) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("KV pool budget must be positive: " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /** The cache under {@code key}, marked most recently used; null when absent. */
    public synchronized KvCache get(String key) {
        Entry e = caches.get(key);
        return e == null ? null : e.cache();
    }

    /** Adds a freshly built cache, evicting the least recently used ones past the budget. */
    public synchronized void put(String key, KvCache cache) {
        put(key, cache, 0);
    }

    /**
     * Like {@link #put(String, KvCache)}, remembering what the uncompressed cache of the same
     * context would hold ({@code fullBytes}), to report the memory EpiCache saves.
     */
    public synchronized void put(String key, KvCache cache, long fullBytes) {
        Entry old = caches.remove(key);
        if (old != null) {
            allocated -= old.bytes();
        }
        builds++;
        insert(key, cache, fullBytes);
    }

    private void insert(String key, KvCache cache, long fullBytes) {
        long need = cache.bytesAllocated();
        Iterator<Map.Entry<String, Entry>> it = caches.entrySet().iterator();
        while (allocated + need > budgetBytes && it.hasNext()) {
            allocated -= it.next().getValue().bytes();
            it.remove();
            evictions++;
        }
        if (need <= budgetBytes) {
            caches.put(key, new Entry(cache, need, fullBytes));
            allocated += need;
        }
    }

    /**
     * Swaps the cache under {@code key} for {@code cache} (a compacted copy after use), keeping its
     * recency; evicts others if the pool is now past its budget. No-op when {@code key} was evicted
     * meanwhile.
     */
    public synchronized void replace(String key, KvCache cache) {
        Entry old = caches.remove(key);
        if (old != null) {
            allocated -= old.bytes();
            insert(key, cache, old.fullBytes());
        }
    }

    /**
     * Drops every cache whose key starts with {@code prefix} (a forgotten user's); returns how
     * many.
     */
    public synchronized int invalidate(String prefix) {
        int n = 0;
        Iterator<Map.Entry<String, Entry>> it = caches.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                allocated -= e.getValue().bytes();
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** Whether any cache's key starts with {@code prefix}. */
    public synchronized boolean holdsAny(String prefix) {
        return caches.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** Bytes of the KV entries the pooled caches hold (what the budget M bounds). */
    public synchronized long bytesInUse() {
        long b = 0;
        for (Entry e : caches.values()) {
            b += e.cache().bytesInUse();
        }
        return b;
    }

    /** What full (uncompressed) caches of the pooled contexts would hold, where known. */
    public synchronized long fullBytes() {
        long b = 0;
        for (Entry e : caches.values()) {
            b += e.fullBytes();
        }
        return b;
    }

    /** Heap the pooled caches hold, which the budget bounds. */
    public synchronized long bytesAllocated() {
        return allocated;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    public synchronized int size() {
        return caches.size();
    }

    public synchronized long evictions() {
        return evictions;
    }

    /** Caches built (first use, after an eviction, or after a restore). */
    public synchronized long builds() {
        return builds;
    }
}
