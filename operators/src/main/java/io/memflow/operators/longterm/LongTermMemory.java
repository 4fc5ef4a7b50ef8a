package io.memflow.operators.longterm;

import io.memflow.operators.retrieval.Retriever;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
     * Sleep-time consolidation at event time {@code now}: supersede outdated facts, merge
     * near-duplicates, archive the least retained past capacity.
     */
    public List<MemoryChange> sleep(MemoryTable table, LongTermMeta meta, long now)
            throws Exception {
        List<MemoryChange> changes = new ArrayList<>();
        List<MemoryRecord> all = table.all();
        long since = meta.getLastConsolidationTime();
        changes.addAll(supersede(table, all, now));
        changes.addAll(merge(table, all, since, now));
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

    /** The newest fact per subject wins; older ones keep their text and get validTo. */
    List<MemoryChange> supersede(MemoryTable table, List<MemoryRecord> all, long now)
            throws Exception {
        Map<String, List<MemoryRecord>> bySubject = new HashMap<>();
        for (MemoryRecord r : all) {
            if (r.getSubject() != null && r.getStatus() == MemoryStatus.ACTIVE) {
                bySubject.computeIfAbsent(r.getSubject(), s -> new ArrayList<>()).add(r);
            }
        }
        List<MemoryChange> changes = new ArrayList<>();
        List<String> subjects = new ArrayList<>(bySubject.keySet());
        subjects.sort(null);
        for (String subject : subjects) {
            List<MemoryRecord> facts = bySubject.get(subject);
            if (facts.size() < 2) {
                continue;
            }
            facts.sort(
                    Comparator.comparing(MemoryRecord::getValidFrom)
                            .thenComparing(MemoryRecord::getMemoryId));
            MemoryRecord newest = facts.get(facts.size() - 1);
            for (MemoryRecord old : facts.subList(0, facts.size() - 1)) {
                if (old.getValidFrom().equals(newest.getValidFrom())) {
                    continue; // same moment: not an update of one by the other
                }
                old.setStatus(MemoryStatus.SUPERSEDED);
                old.setValidTo(newest.getValidFrom());
                bump(old);
                table.put(old);
                changes.add(
                        change(
                                old,
                                ChangeType.SUPERSEDE,
                                now,
                                List.of(newest.getMemoryId()),
                                "newer fact for " + subject));
            }
        }
        return changes;
    }

    /**
     * Merges memories new since the last run into an older active memory that says the same
     * (term-set similarity at or above the threshold): the older one absorbs the provenance, the
     * newer is marked MERGED. Nothing is deleted.
     */
    List<MemoryChange> merge(MemoryTable table, List<MemoryRecord> all, long since, long now)
            throws Exception {
        List<MemoryChange> changes = new ArrayList<>();
        List<MemoryRecord> active = new ArrayList<>();
        for (MemoryRecord r : all) {
            if (r.getStatus() == MemoryStatus.ACTIVE) {
                active.add(r);
            }
        }
        active.sort(
                Comparator.comparing(MemoryRecord::getEventTime)
                        .thenComparing(MemoryRecord::getMemoryId));
        Map<String, Set<String>> terms = new HashMap<>();
        for (MemoryRecord r : active) {
            terms.put(r.getMemoryId(), new HashSet<>(Text.terms(r.getText())));
        }
        Set<String> absorbed = new HashSet<>();
        for (int i = 0; i < active.size(); i++) {
            MemoryRecord newer = active.get(i);
            if (newer.getEventTime().toEpochMilli() <= since
                    || absorbed.contains(newer.getMemoryId())) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                MemoryRecord older = active.get(j);
                if (absorbed.contains(older.getMemoryId())) {
                    continue;
                }
                if (jaccard(terms.get(newer.getMemoryId()), terms.get(older.getMemoryId()))
                        >= mergeThreshold) {
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
                    bump(older);
                    table.put(older);
                    changes.add(
                            change(
                                    older,
                                    ChangeType.MERGE,
                                    now,
                                    List.of(newer.getMemoryId()),
                                    "absorbed a repeated statement"));
                    newer.setStatus(MemoryStatus.MERGED);
                    bump(newer);
                    table.put(newer);
                    changes.add(
                            change(
                                    newer,
                                    ChangeType.MERGE,
                                    now,
                                    List.of(older.getMemoryId()),
                                    "merged into an older memory"));
                    absorbed.add(newer.getMemoryId());
                    break;
                }
            }
        }
        return changes;
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

    static double jaccard(Set<String> a, Set<String> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return 0.0;
        }
        int inter = 0;
        for (String x : a) {
            if (b.contains(x)) {
                inter++;
            }
        }
        return (double) inter / (a.size() + b.size() - inter);
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
