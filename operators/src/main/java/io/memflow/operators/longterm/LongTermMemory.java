package io.memflow.operators.longterm;

import io.memflow.operators.embedding.StoredVectors;
import io.memflow.operators.retrieval.MemoryIndex;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.text.MemoryText;
import io.memflow.operators.text.Text;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.internal.LongTermMeta;
import io.memflow.schemas.internal.Observation;
import io.memflow.serving.embedding.TextEmbedder;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Long-term memory (LightMem stage 3 with XMem usage and MemoryBank retention), pure logic over a
 * {@link MemoryTable}. Every state change comes back as a {@link MemoryChange}; the caller writes
 * them to the changelog. Online inserts are soft (no comparison, no LLM); the expensive work
 * happens in {@link #sleep} while the user is idle.
 */
public final class LongTermMemory implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final double DAY_MILLIS = 86_400_000.0;

    private final int capacity;
    private final double mergeThreshold;
    private final Retriever retriever;
    private final Bounds bounds;

    /**
     * How much of a user stays in hot state. Archived and merged-away records leave it after {@code
     * retiredRetentionMillis} of event time; past {@code maxEntries} records or {@code maxBytes}
     * (by {@link #sizeOf}) the oldest inactive records leave first, then the least retained active
     * ones are archived and leave. Retrieval reads only ACTIVE and SUPERSEDED records, so retiring
     * archived and merged ones never changes an answer.
     */
    public record Bounds(int maxEntries, long maxBytes, long retiredRetentionMillis)
            implements Serializable {
        public static final Bounds DEFAULT =
                new Bounds(8000, 32L << 20, java.time.Duration.ofDays(30).toMillis());
    }

    /** What a user holds in hot state once the bounds are enforced: for metrics. */
    public record Size(int entries, long bytes) {}

    /** The retriever every answer ranks with. */
    public Retriever retriever() {
        return retriever;
    }

    public LongTermMemory(int capacity, double mergeThreshold, Retriever retriever) {
        this(capacity, mergeThreshold, retriever, Bounds.DEFAULT);
    }

    public LongTermMemory(int capacity, double mergeThreshold, Retriever retriever, Bounds bounds) {
        this.capacity = capacity;
        this.mergeThreshold = mergeThreshold;
        this.retriever = retriever;
        this.bounds = bounds;
    }

    public static LongTermMeta emptyMeta() {
        return LongTermMeta.newBuilder().build();
    }

    /** Soft insert: ADD every candidate not stored yet (a replayed batch adds nothing twice). */
    public List<MemoryChange> insert(
            MemoryTable table, LongTermMeta meta, List<MemoryRecord> candidates) throws Exception {
        List<MemoryChange> changes = new ArrayList<>();
        for (MemoryRecord c : candidates) {
            if (table.get(c.getMemoryId()) != null) {
                continue;
            }
            table.put(c);
            meta.setActiveCount(meta.getActiveCount() + 1);
            meta.setLastActivityTime(
                    Math.max(meta.getLastActivityTime(), c.getEventTime().toEpochMilli()));
            meta.setDirtySinceConsolidation(true);
            changes.add(
                    change(
                            c,
                            ChangeType.ADD,
                            c.getEventTime().toEpochMilli(),
                            List.of(),
                            "new memory"));
        }
        // a scan of the user's records only when the insert crosses a bound; sleep scans anyway
        for (MemoryChange c : changes) {
            meta.setHotEntries(meta.getHotEntries() + 1);
            meta.setHotBytes(meta.getHotBytes() + sizeOf(c.getRecord()));
        }
        if (meta.getHotEntries() > bounds.maxEntries() || meta.getHotBytes() > bounds.maxBytes()) {
            enforce(table, meta, meta.getLastActivityTime(), changes);
        }
        return changes;
    }

    private void enforce(MemoryTable table, LongTermMeta meta, long now, List<MemoryChange> changes)
            throws Exception {
        int before = changes.size();
        Size size = bound(table, now, changes);
        meta.setActiveCount(meta.getActiveCount() - (changes.size() - before));
        meta.setHotEntries(size.entries());
        meta.setHotBytes(size.bytes());
    }

    /**
     * Sleep-time consolidation at event time {@code now}: update queues decide merges and
     * supersessions for the memories new since the last run ({@link #update}); then the least
     * retained are archived past capacity.
     */
    public List<MemoryChange> sleep(MemoryTable table, LongTermMeta meta, long now)
            throws Exception {
        List<MemoryChange> changes = new ArrayList<>();
        List<MemoryRecord> all = table.all();
        reembedForeign(table, all, now, changes);
        changes.addAll(update(table, all, meta.getLastConsolidationTime(), now));
        changes.addAll(archive(table, all, now));
        int active = 0;
        for (MemoryRecord r : all) {
            if (r.getStatus() == MemoryStatus.ACTIVE) {
                active++;
            }
        }
        meta.setActiveCount(active);
        enforce(table, meta, now, changes);
        meta.setDirtySinceConsolidation(false);
        meta.setLastConsolidationTime(now);
        meta.setConsolidationRuns(meta.getConsolidationRuns() + 1);
        return changes;
    }

    /**
     * LightMem's offline update, without an LLM. Each memory new since {@code since}, oldest first,
     * gets its update queue ({@link UpdateQueues}: the 10 most similar of its 20 nearest older
     * active memories) and is decided against that queue only:
     *
     * <ul>
     *   <li><b>MERGE</b>: the most similar queue entry of the same speaker at similarity ≥ θ says
     *       the same thing. The older memory absorbs the newer one's provenance (and its wording,
     *       when that has more distinct terms; it is then re-embedded); the newer one is marked
     *       MERGED. Nothing is deleted.
     *   <li><b>SUPERSEDE</b>: queue entries that fill the same subject slot ({@code Ann|residence})
     *       with an earlier {@code validFrom} are outdated by this one: they keep their text and
     *       get {@code validTo}.
     * </ul>
     */
    List<MemoryChange> update(MemoryTable table, List<MemoryRecord> all, long since, long now)
            throws Exception {
        List<MemoryRecord> active = new ArrayList<>();
        for (MemoryRecord r : all) {
            if (r.getStatus() == MemoryStatus.ACTIVE) {
                active.add(r);
            }
        }
        active.sort(UpdateQueues.AGE);
        List<MemoryRecord> fresh = new ArrayList<>();
        for (MemoryRecord r : active) {
            if (r.getEventTime().toEpochMilli() > since) {
                fresh.add(r);
            }
        }
        UpdateQueues queues = new UpdateQueues(retriever.embedder());
        List<MemoryChange> changes = new ArrayList<>();
        for (MemoryRecord x : fresh) {
            if (x.getStatus() != MemoryStatus.ACTIVE) {
                continue; // merged into an older memory earlier in this run
            }
            active.removeIf(r -> r.getStatus() != MemoryStatus.ACTIVE);
            List<UpdateQueues.Neighbor> queue = queues.queue(x, active);
            MemoryRecord twin = null;
            for (UpdateQueues.Neighbor n : queue) {
                if (n.similarity() >= mergeThreshold
                        && Objects.equals(n.record().getSpeaker(), x.getSpeaker())) {
                    twin = n.record();
                    break;
                }
            }
            if (twin != null) {
                changes.addAll(merge(table, queues, twin, x, now));
                continue;
            }
            if (x.getSubject() == null) {
                continue;
            }
            for (UpdateQueues.Neighbor n : queue) {
                MemoryRecord old = n.record();
                if (x.getSubject().equals(old.getSubject())
                        && old.getValidFrom().isBefore(x.getValidFrom())) {
                    old.setStatus(MemoryStatus.SUPERSEDED);
                    old.setValidTo(x.getValidFrom());
                    bump(old);
                    table.put(old);
                    changes.add(
                            change(
                                    old,
                                    ChangeType.SUPERSEDE,
                                    now,
                                    List.of(x.getMemoryId()),
                                    "newer fact for " + x.getSubject()));
                }
            }
        }
        return changes;
    }

    /** {@code older} absorbs {@code newer}: one MERGE change for each. */
    private List<MemoryChange> merge(
            MemoryTable table,
            UpdateQueues queues,
            MemoryRecord older,
            MemoryRecord newer,
            long now)
            throws Exception {
        List<String> prov = new ArrayList<>(older.getSourceTurnIds());
        for (String t : newer.getSourceTurnIds()) {
            if (!prov.contains(t)) {
                prov.add(t);
            }
        }
        older.setSourceTurnIds(prov);
        older.setUsageCount(older.getUsageCount() + newer.getUsageCount());
        older.setStrength(older.getStrength() + 1.0);
        older.setEventTime(newer.getEventTime());
        // the fuller wording survives: a restatement that adds a detail keeps the detail
        if (new HashSet<>(Text.terms(newer.getText())).size()
                > new HashSet<>(Text.terms(older.getText())).size()) {
            older.setText(newer.getText());
            older.setTokenCount(Text.countTokens(newer.getText()));
            reembed(older);
            queues.invalidate(older);
        }
        bump(older);
        table.put(older);
        newer.setStatus(MemoryStatus.MERGED);
        newer.setMergedInto(older.getMemoryId());
        bump(newer);
        table.put(newer);
        return List.of(
                change(
                        older,
                        ChangeType.MERGE,
                        now,
                        List.of(newer.getMemoryId()),
                        "absorbed a repeated statement"),
                change(
                        newer,
                        ChangeType.MERGE,
                        now,
                        List.of(older.getMemoryId()),
                        "merged into an older memory"));
    }

    /**
     * Gives a record whose text changed the embedding of its new (dated) text, so the stored vector
     * always matches the text; without an embedder the stale vector is dropped instead.
     */
    void reembed(MemoryRecord r) {
        TextEmbedder e = retriever.embedder();
        if (e == null) {
            StoredVectors.clear(r);
            return;
        }
        StoredVectors.set(r, e.embed(MemoryText.embedded(r)), e.modelId());
    }

    /**
     * Re-embeds, in one batched call, the memories whose vector another model made (a savepoint of
     * a job with another {@code memflow.embedding.model}): each gets this model's vector, a new
     * version and an UPDATE on the changelog, so state, changelog and {@code serve} converge on one
     * model. Until then the retriever treats those vectors as missing. Returns how many.
     */
    int reembedForeign(MemoryTable table, List<MemoryRecord> all, long now, List<MemoryChange> out)
            throws Exception {
        TextEmbedder e = retriever.embedder();
        if (e == null) {
            return 0;
        }
        List<MemoryRecord> foreign = new ArrayList<>();
        for (MemoryRecord r : all) {
            if (StoredVectors.foreign(r, e.modelId())) {
                foreign.add(r);
            }
        }
        if (foreign.isEmpty()) {
            return 0;
        }
        float[][] v = e.embed(foreign.stream().map(MemoryText::embedded).toList());
        for (int i = 0; i < foreign.size(); i++) {
            MemoryRecord r = foreign.get(i);
            StoredVectors.set(r, v[i], e.modelId());
            bump(r);
            table.put(r);
            out.add(change(r, ChangeType.UPDATE, now, List.of(), REEMBEDDED + e.modelId()));
        }
        return foreign.size();
    }

    /** Reason of the UPDATE that gives a memory the configured model's vector. */
    static final String REEMBEDDED = "re-embedded with ";

    /** Whether a change is a re-embedding ({@link #reembedForeign}). */
    public static boolean isReembedding(MemoryChange c) {
        return c.getType() == ChangeType.UPDATE
                && c.getReason() != null
                && c.getReason().startsWith(REEMBEDDED);
    }

    /** MemoryBank retention R = exp(-days since last use / S); the least retained go first. */
    List<MemoryChange> archive(MemoryTable table, List<MemoryRecord> all, long now)
            throws Exception {
        List<MemoryRecord> active = new ArrayList<>();
        for (MemoryRecord r : all) {
            if (r.getStatus() == MemoryStatus.ACTIVE) {
                active.add(r);
            }
        }
        List<MemoryChange> changes = new ArrayList<>();
        if (active.size() <= capacity) {
            return changes;
        }
        active.sort(
                Comparator.comparingDouble((MemoryRecord r) -> retention(r, now))
                        .thenComparing(MemoryRecord::getMemoryId));
        for (MemoryRecord r : active.subList(0, active.size() - capacity)) {
            r.setStatus(MemoryStatus.ARCHIVED);
            bump(r);
            table.put(r);
            changes.add(
                    change(
                            r,
                            ChangeType.ARCHIVE,
                            now,
                            List.of(),
                            "least retained past capacity " + capacity));
        }
        return changes;
    }

    public static double retention(MemoryRecord r, long now) {
        double days = Math.max(0, now - r.getLastAccessTime().toEpochMilli()) / DAY_MILLIS;
        return Math.exp(-days / Math.max(r.getStrength(), 1e-6));
    }

    /**
     * FORGET_USER: a DELETE (ids only) and a tombstone for every memory the user ever had, hot or
     * retired, in memoryId order; then nothing of the user is left.
     */
    public List<MemoryChange> forget(MemoryTable table, String tenantId, String userId, long now)
            throws Exception {
        java.util.TreeMap<String, Integer> versions = new java.util.TreeMap<>();
        for (Map.Entry<String, MemoryTable.Retired> e : table.retired().entrySet()) {
            versions.put(e.getKey(), e.getValue().version());
        }
        for (MemoryRecord r : table.all()) {
            versions.put(r.getMemoryId(), r.getVersion());
        }
        List<MemoryChange> changes = new ArrayList<>();
        table.clear();
        for (Map.Entry<String, Integer> e : versions.entrySet()) {
            deleted(changes, tenantId, userId, e.getKey(), e.getValue(), now, "forget-user");
        }
        return changes;
    }

    /**
     * DELETE_MEMORY: the memory {@code memoryId} and every memory merged into it (transitively:
     * their words or provenance live on in it), hot or retired, each as a DELETE (ids only) and a
     * tombstone. Nothing for an id the user does not have.
     */
    public List<MemoryChange> delete(
            MemoryTable table, String tenantId, String userId, String memoryId, long now)
            throws Exception {
        List<MemoryRecord> hot = table.all();
        Map<String, MemoryTable.Retired> retired = table.retired();
        java.util.TreeMap<String, Integer> doomed = new java.util.TreeMap<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(memoryId));
        while (!todo.isEmpty()) {
            String id = todo.poll();
            MemoryRecord r = table.get(id);
            Integer version =
                    r != null
                            ? Integer.valueOf(r.getVersion())
                            : retired.containsKey(id) ? retired.get(id).version() : null;
            if (version == null || doomed.containsKey(id)) {
                continue;
            }
            doomed.put(id, version);
            for (MemoryRecord m : hot) {
                if (id.equals(m.getMergedInto())) {
                    todo.add(m.getMemoryId());
                }
            }
            for (Map.Entry<String, MemoryTable.Retired> e : retired.entrySet()) {
                if (id.equals(e.getValue().mergedInto())) {
                    todo.add(e.getKey());
                }
            }
        }
        List<MemoryChange> changes = new ArrayList<>();
        for (Map.Entry<String, Integer> e : doomed.entrySet()) {
            table.delete(e.getKey());
            deleted(changes, tenantId, userId, e.getKey(), e.getValue(), now, "delete-memory");
        }
        return changes;
    }

    /** A DELETE that carries ids only, then the tombstone of its key. */
    private static void deleted(
            List<MemoryChange> out,
            String tenantId,
            String userId,
            String memoryId,
            int lastVersion,
            long now,
            String reason) {
        Instant t = Instant.ofEpochMilli(now);
        MemoryRecord ids =
                MemoryRecord.newBuilder()
                        .setMemoryId(memoryId)
                        .setTenantId(tenantId)
                        .setUserId(userId)
                        .setText("")
                        .setEventTime(t)
                        .setValidFrom(t)
                        .setSourceTurnIds(List.of())
                        .setLastAccessTime(t)
                        .setVersion(lastVersion + 1)
                        .setStatus(MemoryStatus.DELETED)
                        .build();
        MemoryChange delete = change(ids, ChangeType.DELETE, now, List.of(), reason);
        out.add(delete);
        out.add(Tombstones.after(delete));
    }

    /**
     * Keeps the user's hot state within {@link Bounds}: retires archived and merged records older
     * than the retention, then, while over the entry or byte bound, retires the oldest inactive
     * records and finally archives (an ARCHIVE change each) and retires the least retained active
     * ones. Returns the size left.
     */
    public Size bound(MemoryTable table, long now, List<MemoryChange> changes) throws Exception {
        List<MemoryRecord> inactive = new ArrayList<>();
        List<MemoryRecord> active = new ArrayList<>();
        long bytes = 0;
        for (MemoryRecord r : table.all()) {
            boolean retiredKind =
                    r.getStatus() == MemoryStatus.ARCHIVED || r.getStatus() == MemoryStatus.MERGED;
            if (retiredKind && now - lastTouched(r) >= bounds.retiredRetentionMillis()) {
                table.retire(r);
                continue;
            }
            bytes += sizeOf(r);
            (r.getStatus() == MemoryStatus.ACTIVE ? active : inactive).add(r);
        }
        int entries = inactive.size() + active.size();
        inactive.sort(
                Comparator.comparingLong(LongTermMemory::lastTouched)
                        .thenComparing(MemoryRecord::getMemoryId));
        int i = 0;
        while ((entries > bounds.maxEntries() || bytes > bounds.maxBytes())
                && i < inactive.size()) {
            MemoryRecord r = inactive.get(i++);
            table.retire(r);
            entries--;
            bytes -= sizeOf(r);
        }
        if (entries > bounds.maxEntries() || bytes > bounds.maxBytes()) {
            active.sort(
                    Comparator.comparingDouble((MemoryRecord r) -> retention(r, now))
                            .thenComparing(MemoryRecord::getMemoryId));
            for (MemoryRecord r : active) {
                if (entries <= bounds.maxEntries() && bytes <= bounds.maxBytes()) {
                    break;
                }
                r.setStatus(MemoryStatus.ARCHIVED);
                bump(r);
                changes.add(
                        change(
                                r,
                                ChangeType.ARCHIVE,
                                now,
                                List.of(),
                                "past the per-user bound of "
                                        + bounds.maxEntries()
                                        + " entries / "
                                        + bounds.maxBytes()
                                        + " bytes"));
                table.retire(r);
                entries--;
                bytes -= sizeOf(r);
            }
        }
        return new Size(entries, bytes);
    }

    /** Event time a record last changed or was used. */
    static long lastTouched(MemoryRecord r) {
        long t = Math.max(r.getLastAccessTime().toEpochMilli(), r.getEventTime().toEpochMilli());
        return r.getValidTo() == null ? t : Math.max(t, r.getValidTo().toEpochMilli());
    }

    /**
     * Approximate bytes of a hot record: its strings as UTF-16 upper bound, the embedding and a
     * fixed overhead for the numeric fields. Deterministic, so bounds hold identically on replay.
     */
    public static long sizeOf(MemoryRecord r) {
        long n = 64L + r.getText().length() * 2L + r.getMemoryId().length() * 2L;
        for (String t : r.getSourceTurnIds()) {
            n += t.length() * 2L;
        }
        for (String s :
                new String[] {
                    r.getSpeaker(),
                    r.getSubject(),
                    r.getSessionId(),
                    r.getSegmentId(),
                    r.getTopicId()
                }) {
            n += s == null ? 0 : s.length() * 2L;
        }
        return n + (r.getEmbedding() == null ? 0 : r.getEmbedding().remaining());
    }

    /** Answers a query from stored and still-buffered memory, and reinforces what it used. */
    public MemoryAnswer answer(
            MemoryTable table, MemoryQuery q, List<Observation> pending, int defaultK)
            throws Exception {
        int k = q.getK() != null ? q.getK() : defaultK;
        long now = q.getQueryTime().toEpochMilli();
        return answer(table, q, retriever.retrieve(q.getText(), now, table.all(), pending, k));
    }

    /**
     * Answers {@code q} from a prepared index of the user's memories (the operator's {@link
     * IndexCache}), which ranks exactly like a fresh one.
     */
    public MemoryAnswer answer(MemoryTable table, MemoryQuery q, MemoryIndex index, int defaultK)
            throws Exception {
        int k = q.getK() != null ? q.getK() : defaultK;
        long now = q.getQueryTime().toEpochMilli();
        return answer(table, q, retriever.retrieve(q.getText(), now, index, k));
    }

    /** Strengthens what was used and builds the answer. */
    private MemoryAnswer answer(MemoryTable table, MemoryQuery q, Retriever.Result result)
            throws Exception {
        long now = q.getQueryTime().toEpochMilli();
        for (RetrievedMemory m : result.memories()) {
            MemoryRecord r = table.get(m.getMemoryId());
            if (r != null) {
                // XMem usage / MemoryBank: each use strengthens the memory against forgetting
                r.setUsageCount(r.getUsageCount() + 1);
                r.setStrength(r.getStrength() + 1.0);
                r.setLastAccessTime(
                        Instant.ofEpochMilli(Math.max(now, r.getLastAccessTime().toEpochMilli())));
                table.put(r);
            }
        }
        return MemoryAnswer.newBuilder()
                .setQueryId(q.getQueryId())
                .setTenantId(q.getTenantId())
                .setUserId(q.getUserId())
                .setQuestion(q.getText())
                .setQueryTime(q.getQueryTime())
                .setMemories(result.memories())
                .setTimeRangeFrom(
                        result.from() == null ? null : Instant.ofEpochMilli(result.from()))
                .setTimeRangeTo(result.to() == null ? null : Instant.ofEpochMilli(result.to()))
                .build();
    }

    private static void bump(MemoryRecord r) {
        r.setVersion(r.getVersion() + 1);
    }

    static MemoryChange change(
            MemoryRecord r, ChangeType type, long time, List<String> related, String reason) {
        return MemoryChange.newBuilder()
                .setChangeId(r.getMemoryId() + ":" + r.getVersion())
                .setTenantId(r.getTenantId())
                .setUserId(r.getUserId())
                .setMemoryId(r.getMemoryId())
                .setVersion(r.getVersion())
                .setType(type)
                .setChangeTime(Instant.ofEpochMilli(time))
                .setRecord(MemoryRecord.newBuilder(r).build())
                .setRelatedMemoryIds(related)
                .setReason(reason)
                .build();
    }
}
