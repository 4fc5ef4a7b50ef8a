package io.memflow.operators.retrieval;

import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.internal.Observation;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ranks one user's memories for a question: BM25 over the memory texts, superseded facts demoted
 * below the fact that replaced them (which is pulled in even when it shares no words with the
 * question), recency as the tie-break. Observations still in short-term memory take part as
 * transient entries ({@code stm:<turnId>}), so a fact is answerable before it is consolidated.
 */
public final class Retriever implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final double K1 = 1.2;
    private static final double B = 0.75;

    /** Share of its score a superseded fact keeps: it stays visible, below its successor. */
    private static final double SUPERSEDED_WEIGHT = 0.5;

    /** The ranked memories, and the time range the question named (null when none). */
    public record Result(List<RetrievedMemory> memories, Long from, Long to) {}

    private record Doc(MemoryRecord record, List<String> terms) {}

    public Result retrieve(
            String question,
            long now,
            List<MemoryRecord> stored,
            List<Observation> pending,
            int k) {
        List<Doc> docs = new ArrayList<>();
        for (MemoryRecord r : stored) {
            if (r.getStatus() == MemoryStatus.ACTIVE || r.getStatus() == MemoryStatus.SUPERSEDED) {
                docs.add(new Doc(r, Text.terms(r.getText())));
            }
        }
        for (Observation o : pending) {
            MemoryRecord r = transientRecord(o);
            docs.add(new Doc(r, Text.terms(r.getText())));
        }
        double[] scores = bm25(Text.terms(question), docs);

        Map<String, Integer> activeBySubject = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            MemoryRecord r = docs.get(i).record();
            if (r.getSubject() != null && r.getStatus() == MemoryStatus.ACTIVE) {
                activeBySubject.merge(
                        r.getSubject(),
                        i,
                        (a, b) ->
                                docs.get(a)
                                                .record()
                                                .getValidFrom()
                                                .isAfter(docs.get(b).record().getValidFrom())
                                        ? a
                                        : b);
            }
        }
        double[] fused = scores.clone();
        for (int i = 0; i < docs.size(); i++) {
            MemoryRecord r = docs.get(i).record();
            if (r.getStatus() == MemoryStatus.SUPERSEDED && scores[i] > 0) {
                fused[i] = scores[i] * SUPERSEDED_WEIGHT;
                Integer successor =
                        r.getSubject() == null ? null : activeBySubject.get(r.getSubject());
                if (successor != null) {
                    fused[successor] = Math.max(fused[successor], scores[i] + 1e-6);
                }
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            if (fused[i] > 0) {
                order.add(i);
            }
        }
        order.sort(
                Comparator.<Integer>comparingDouble(i -> -fused[i])
                        .thenComparing(i -> -docs.get(i).record().getEventTime().toEpochMilli())
                        .thenComparing(i -> docs.get(i).record().getMemoryId()));
        List<RetrievedMemory> out = new ArrayList<>();
        for (int i : order.subList(0, Math.min(k, order.size()))) {
            MemoryRecord r = docs.get(i).record();
            out.add(
                    RetrievedMemory.newBuilder()
                            .setMemoryId(r.getMemoryId())
                            .setText(r.getText())
                            .setScore(fused[i])
                            .setStatus(r.getStatus())
                            .setEventTime(r.getEventTime())
                            .setValidFrom(r.getValidFrom())
                            .setValidTo(r.getValidTo())
                            .setSourceTurnIds(r.getSourceTurnIds())
                            .setVersion(r.getVersion())
                            .build());
        }
        return new Result(out, null, null);
    }

    private static double[] bm25(List<String> query, List<Doc> docs) {
        int n = docs.size();
        double[] scores = new double[n];
        if (n == 0 || query.isEmpty()) {
            return scores;
        }
        double avgLen = 0;
        Map<String, Integer> df = new HashMap<>();
        for (Doc d : docs) {
            avgLen += d.terms().size();
            for (String t : new java.util.HashSet<>(d.terms())) {
                df.merge(t, 1, Integer::sum);
            }
        }
        avgLen = Math.max(avgLen / n, 1e-9);
        for (String q : new java.util.LinkedHashSet<>(query)) {
            Integer f = df.get(q);
            if (f == null) {
                continue;
            }
            double idf = Math.log(1 + (n - f + 0.5) / (f + 0.5));
            for (int i = 0; i < n; i++) {
                List<String> terms = docs.get(i).terms();
                int tf = 0;
                for (String t : terms) {
                    if (t.equals(q)) {
                        tf++;
                    }
                }
                if (tf > 0) {
                    scores[i] +=
                            idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * terms.size() / avgLen));
                }
            }
        }
        return scores;
    }

    /** A buffered observation seen as a memory, so queries can use it before consolidation. */
    public static MemoryRecord transientRecord(Observation o) {
        String body = o.getCompressedText() != null ? o.getCompressedText() : o.getText();
        Instant t = Instant.ofEpochMilli(o.getEventTime());
        return MemoryRecord.newBuilder()
                .setMemoryId("stm:" + o.getId())
                .setTenantId(o.getTenantId())
                .setUserId(o.getUserId())
                .setText(
                        "["
                                + ExtractiveConsolidator.formatDate(o.getEventTime())
                                + "] "
                                + o.getSpeaker()
                                + ": "
                                + body)
                .setSpeaker(o.getSpeaker())
                .setEventTime(t)
                .setValidFrom(t)
                .setSourceTurnIds(List.of(o.getId()))
                .setLastAccessTime(t)
                .setVersion(0)
                .build();
    }
}
