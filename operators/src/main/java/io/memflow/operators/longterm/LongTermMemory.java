package io.memflow.operators.longterm;

import io.memflow.operators.embedding.Embedder;
import io.memflow.operators.embedding.Vectors;
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
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
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

    public LongTermMemory(int capacity, double mergeThreshold, Retriever retriever) {
        this.capacity = capacity;
        this.mergeThreshold = mergeThreshold;
        this.retriever = retriever;
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
        return changes;
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
        changes.addAll(update(table, all, meta.getLastConsolidationTime(), now));
        changes.addAll(archive(table, all, now));
        int active = 0;
        for (MemoryRecord r : all) {
            if (r.getStatus() == MemoryStatus.ACTIVE) {
                active++;
            }
        }
        meta.setActiveCount(active);
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
        UpdateQueues queues = new UpdateQueues();
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
        Embedder e = retriever.embedder();
        if (e == null) {
            r.setEmbedding(null);
            r.setEmbeddingScale(0f);
            return;
        }
        float[] v = e.embed(MemoryText.dated(r));
        float scale = Vectors.scale(v);
        r.setEmbedding(Vectors.quantize(v, scale));
        r.setEmbeddingScale(scale);
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

    /** FORGET_USER: a DELETE for every memory, then nothing is left. */
    public List<MemoryChange> forget(MemoryTable table, long now) throws Exception {
        List<MemoryChange> changes = new ArrayList<>();
        for (MemoryRecord r : table.all()) {
            if (r.getStatus() == MemoryStatus.DELETED) {
                continue;
            }
            MemoryRecord tomb =
                    MemoryRecord.newBuilder(r)
                            .setText("")
                            .setEmbedding(null)
                            .setStatus(MemoryStatus.DELETED)
                            .setVersion(r.getVersion() + 1)
                            .build();
            changes.add(change(tomb, ChangeType.DELETE, now, List.of(), "forget-user"));
        }
        table.clear();
        return changes;
    }

    /** Answers a query from stored and still-buffered memory, and reinforces what it used. */
    public MemoryAnswer answer(
            MemoryTable table, MemoryQuery q, List<Observation> pending, int defaultK)
            throws Exception {
        int k = q.getK() != null ? q.getK() : defaultK;
        long now = q.getQueryTime().toEpochMilli();
        Retriever.Result result = retriever.retrieve(q.getText(), now, table.all(), pending, k);
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
