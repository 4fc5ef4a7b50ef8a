package io.memflow.jobs.serve;

import io.memflow.operators.ingest.InputDecoder;
import io.memflow.operators.retrieval.MemoryIndex;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.annotation.Nullable;

/**
 * The read side's copy of every user's memories, materialised from the changelog: the newest
 * version of each memory per user, and each memory's versions in changelog order. A DELETE or a
 * tombstone removes the memory and its history at once, so a deleted memory is gone from every
 * answer as soon as its change is committed. Next to each user's records sits its {@link
 * MemoryIndex}, updated by the same change, so a search neither re-tokenises nor dequantises the
 * user's memories. Written by one thread ({@link ChangelogFollower}), read by many.
 */
public final class MemoryView {
    /** Where a changelog key points: the user and the memory. */
    private record Owner(String userKey, String memoryId) {}

    /** One user's records by memory id, and the same memories prepared for ranking. */
    private record User(ConcurrentSkipListMap<String, MemoryRecord> records, MemoryIndex index) {
        User(@Nullable String model) {
            this(new ConcurrentSkipListMap<>(), new MemoryIndex(model));
        }
    }

    /**
     * Model of the vectors the indexes keep: the retriever's ({@link Retriever#embeddingModel}).
     */
    @Nullable private final String model;

    /** A view whose indexes keep the vectors {@code retriever} can use. */
    public MemoryView(Retriever retriever) {
        this.model = retriever.embeddingModel();
    }

    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final Map<String, List<MemoryChange>> history = new ConcurrentHashMap<>();
    private final Map<String, Owner> byChangelogKey = new ConcurrentHashMap<>();
    private final Map<String, String> userOfMemory = new ConcurrentHashMap<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong count = new AtomicLong();

    /** The Kafka key of a memory on the changelog. */
    public static String changelogKey(String tenantId, String userId, String memoryId) {
        return tenantId + "/" + userId + "/" + memoryId;
    }

    /** Applies one committed change. */
    public void apply(MemoryChange c) {
        applied.incrementAndGet();
        String userKey = InputDecoder.key(c.getTenantId(), c.getUserId());
        if (c.getType() == ChangeType.DELETE) {
            remove(userKey, c.getMemoryId());
            return;
        }
        byChangelogKey.put(
                changelogKey(c.getTenantId(), c.getUserId(), c.getMemoryId()),
                new Owner(userKey, c.getMemoryId()));
        userOfMemory.put(c.getMemoryId(), userKey);
        User u = users.computeIfAbsent(userKey, k -> new User(model));
        if (u.records().put(c.getMemoryId(), c.getRecord()) == null) {
            count.incrementAndGet();
        }
        u.index().put(c.getRecord());
        // the index holds the vector now; the records answer list, get and history, which never
        // show it: dropping it saves ~400 bytes per version
        c.getRecord().setEmbedding(null);
        history.compute(
                c.getMemoryId(),
                (k, v) -> {
                    List<MemoryChange> next = v == null ? new ArrayList<>() : new ArrayList<>(v);
                    next.add(c);
                    return List.copyOf(next);
                });
    }

    /** Applies a tombstone (null value) for a changelog key. */
    public void tombstone(String changelogKey) {
        applied.incrementAndGet();
        Owner o = byChangelogKey.get(changelogKey);
        if (o != null) {
            remove(o.userKey(), o.memoryId());
        }
    }

    private void remove(String userKey, String memoryId) {
        User mine = users.get(userKey);
        if (mine != null) {
            MemoryRecord r = mine.records().remove(memoryId);
            mine.index().remove(memoryId);
            if (r != null) {
                count.decrementAndGet();
                byChangelogKey.remove(changelogKey(r.getTenantId(), r.getUserId(), memoryId));
            }
            if (mine.records().isEmpty()) {
                users.remove(userKey, mine);
            }
        }
        history.remove(memoryId);
        userOfMemory.remove(memoryId);
    }

    /** The user's memories (any status but deleted), in memoryId order. */
    public List<MemoryRecord> memories(String tenantId, String userId) {
        User mine = users.get(InputDecoder.key(tenantId, userId));
        return mine == null ? List.of() : List.copyOf(mine.records().values());
    }

    /** The user's rankable memories prepared for the retriever (empty for an unknown user). */
    public MemoryIndex index(String tenantId, String userId) {
        User mine = users.get(InputDecoder.key(tenantId, userId));
        return mine == null ? EMPTY : mine.index();
    }

    private static final MemoryIndex EMPTY = new MemoryIndex(null);

    /** Heap the ranking indexes take beyond the records (estimated). */
    public long indexBytes() {
        long b = 0;
        for (User u : users.values()) {
            b += u.index().extraBytes();
        }
        return b;
    }

    /** A memory of the tenant, or null (also for another tenant's memory). */
    public MemoryRecord memory(String tenantId, String memoryId) {
        String userKey = userOfMemory.get(memoryId);
        if (userKey == null || !userKey.startsWith(tenantId + "|")) {
            return null;
        }
        User mine = users.get(userKey);
        return mine == null ? null : mine.records().get(memoryId);
    }

    /** Every version of a memory of the tenant, oldest first; empty when unknown or deleted. */
    public List<MemoryChange> history(String tenantId, String memoryId) {
        return memory(tenantId, memoryId) == null
                ? List.of()
                : history.getOrDefault(memoryId, List.of());
    }

    public int users() {
        return users.size();
    }

    public long memories() {
        return count.get();
    }

    /** Changelog records applied so far (changes and tombstones). */
    public long applied() {
        return applied.get();
    }
}
