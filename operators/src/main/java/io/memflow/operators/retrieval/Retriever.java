package io.memflow.operators.retrieval;

import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.embedding.Embedder;
import io.memflow.operators.embedding.MiniLmEmbedder;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.MemoryText;
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
import javax.annotation.Nullable;

/**
 * Ranks one user's memories for a question.
 *
 * <ol>
 *   <li>Two rankings: BM25 over the memory texts, and (when an embedder is set) cosine between the
 *       question's and the memories' embeddings (stored int8 vectors; entries without one, such as
 *       short-term {@code stm:<turnId>} entries, are embedded on the fly). They are fused by
 *       weighted reciprocal rank, {@code sum w/(60 + rank)} (Cormack et al.; w = 1 for BM25, {@code
 *       memflow.retrieval.dense-weight} for dense), so neither score scale dominates.
 *   <li>Time: a date or relative expression in the question ({@link TimeExpressions}, resolved
 *       against the query time) narrows the range. Memories whose event time lies in it rank before
 *       all others; the others only fill the remaining slots, so a range that holds nothing (or too
 *       little) falls back to the whole memory.
 *   <li>Superseded facts keep half their score and the fact that replaced them is pulled in just
 *       above them, even when it shares no words with the question; both carry their validity
 *       ({@code validFrom}/{@code validTo}).
 *   <li>Recency breaks ties, then the memory id (determinism).
 * </ol>
 *
 * Each returned memory's text starts with its absolute date and weekday ({@link MemoryText#dated}),
 * which the store keeps as {@code validFrom} rather than in the text.
 *
 * <p>Observations still in short-term memory take part as transient entries ({@code stm:<turnId>}),
 * so a fact is answerable before it is consolidated. The retriever only ever sees the memories of
 * the key it is called for; isolation between tenants is the caller's keying.
 */
public final class Retriever implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final double K1 = 1.2;
    private static final double B = 0.75;

    /** Reciprocal-rank-fusion constant. */
    static final int RRF_K = 60;

    /**
     * Default weight of the dense ranking in the fusion (BM25's is 1): equal votes, the standard
     * reciprocal-rank fusion, not a value tuned on the evaluation data. On the LoCoMo dev file,
     * halving the dense vote ({@code memflow.retrieval.dense-weight=0.5}) lifts recall@10 from 0.56
     * to 0.61 (exact words find this data's evidence better than MiniLM's sentence meaning), but on
     * the demo conversation it lets "Maya ... who lives in Chicago" outrank "we moved to Seattle"
     * for "Where does Maya live now?": paraphrase matters for knowledge updates.
     */
    public static final double DENSE_WEIGHT = 1.0;

    /** Share of its score a superseded fact keeps: it stays visible, below its successor. */
    private static final double SUPERSEDED_WEIGHT = 0.5;

    /** Whether to use the dense ranking (the embedder itself is per JVM, not serialized). */
    private final boolean dense;

    private final double denseWeight;

    @Nullable private transient Embedder embedder;

    /** The ranked memories, and the time range the question named (null when none). */
    public record Result(List<RetrievedMemory> memories, Long from, Long to) {}

    private record Doc(MemoryRecord record, List<String> terms) {}

    /**
     * The retriever the configuration asks for: hybrid (BM25 and the embedder, fused) when
     * embeddings are on, BM25 alone otherwise. The job, {@code serve} and the benchmarks build it
     * here, so they rank alike.
     */
    public static Retriever of(org.apache.flink.configuration.ReadableConfig conf) {
        return conf.get(io.memflow.operators.config.MemflowOptions.EMBEDDING_ENABLED)
                ? hybrid(conf.get(io.memflow.operators.config.MemflowOptions.DENSE_WEIGHT))
                : new Retriever();
    }

    /** BM25 only (no model needed). */
    public Retriever() {
        this.dense = false;
        this.denseWeight = 0;
    }

    /** Hybrid with the given embedder (tests, benchmarks); {@code null} means BM25 only. */
    public Retriever(@Nullable Embedder embedder) {
        this.dense = embedder != null;
        this.embedder = embedder;
        this.denseWeight = DENSE_WEIGHT;
    }

    /** Hybrid BM25 + dense with the JVM's shared MiniLM, loaded on first use. */
    public static Retriever hybrid() {
        return hybrid(DENSE_WEIGHT);
    }

    /** Like {@link #hybrid()}, the dense ranking's vote weighted {@code denseWeight}. */
    public static Retriever hybrid(double denseWeight) {
        if (!(denseWeight >= 0)) {
            throw new IllegalArgumentException(
                    "memflow.retrieval.dense-weight must be >= 0, was " + denseWeight);
        }
        return new Retriever(true, denseWeight);
    }

    private Retriever(boolean dense, double denseWeight) {
        this.dense = dense;
        this.denseWeight = denseWeight;
    }

    public boolean isDense() {
        return dense;
    }

    @Nullable
    public Embedder embedder() {
        if (dense && embedder == null) {
            embedder = MiniLmEmbedder.shared();
        }
        return embedder;
    }

    public Result retrieve(
            String question,
            long now,
            List<MemoryRecord> stored,
            List<Observation> pending,
            int k) {
        List<Doc> docs = new ArrayList<>();
        for (MemoryRecord r : stored) {
            if (r.getStatus() == MemoryStatus.ACTIVE || r.getStatus() == MemoryStatus.SUPERSEDED) {
                docs.add(new Doc(r, Text.terms(MemoryText.dated(r))));
            }
        }
        for (Observation o : pending) {
            MemoryRecord r = transientRecord(o);
            docs.add(new Doc(r, Text.terms(MemoryText.dated(r))));
        }
        double[] lexical = bm25(Text.terms(question), docs);
        double[] scores = fuse(lexical, denseScores(question, docs), denseWeight);

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
                    fused[successor] = Math.max(fused[successor], scores[i] + 2e-9);
                }
            }
        }
        // with fused ranks the halved score would drop a superseded fact out of sight; it goes
        // right below the fact that replaced it instead, where its validity explains the change
        for (int i = 0; i < docs.size(); i++) {
            MemoryRecord r = docs.get(i).record();
            Integer successor = r.getSubject() == null ? null : activeBySubject.get(r.getSubject());
            if (r.getStatus() == MemoryStatus.SUPERSEDED && scores[i] > 0 && successor != null) {
                fused[i] = Math.max(fused[i], fused[successor] - 1e-9);
            }
        }
        TimeExpressions.Range range = TimeExpressions.resolve(question, now).orElse(null);
        boolean[] inRange = new boolean[docs.size()];
        for (int i = 0; i < docs.size(); i++) {
            inRange[i] =
                    range == null
                            || range.contains(docs.get(i).record().getEventTime().toEpochMilli());
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            if (fused[i] > 0) {
                order.add(i);
            }
        }
        order.sort(
                Comparator.<Integer, Boolean>comparing(i -> !inRange[i])
                        .thenComparingDouble(i -> -fused[i])
                        .thenComparing(i -> -docs.get(i).record().getEventTime().toEpochMilli())
                        .thenComparing(i -> docs.get(i).record().getMemoryId()));
        List<RetrievedMemory> out = new ArrayList<>();
        for (int i : order.subList(0, Math.min(k, order.size()))) {
            MemoryRecord r = docs.get(i).record();
            out.add(
                    RetrievedMemory.newBuilder()
                            .setMemoryId(r.getMemoryId())
                            .setText(MemoryText.dated(r))
                            .setScore(fused[i])
                            .setStatus(r.getStatus())
                            .setEventTime(r.getEventTime())
                            .setValidFrom(r.getValidFrom())
                            .setValidTo(r.getValidTo())
                            .setSourceTurnIds(r.getSourceTurnIds())
                            .setVersion(r.getVersion())
                            .build());
        }
        return range == null
                ? new Result(out, null, null)
                : new Result(out, range.from(), range.to());
    }

    /** Cosine of each doc to the question, or null without an embedder. */
    @Nullable
    private double[] denseScores(String question, List<Doc> docs) {
        Embedder e = embedder();
        if (e == null || docs.isEmpty()) {
            return null;
        }
        List<String> missing = new ArrayList<>();
        List<Integer> missingAt = new ArrayList<>();
        float[][] vectors = new float[docs.size()][];
        for (int i = 0; i < docs.size(); i++) {
            MemoryRecord r = docs.get(i).record();
            if (r.getEmbedding() != null && r.getEmbeddingScale() > 0) {
                vectors[i] = Vectors.dequantize(r.getEmbedding(), r.getEmbeddingScale());
            } else {
                missing.add(MemoryText.dated(r));
                missingAt.add(i);
            }
        }
        missing.add(question);
        float[][] fresh = e.embed(missing);
        for (int j = 0; j < missingAt.size(); j++) {
            vectors[missingAt.get(j)] = fresh[j];
        }
        float[] q = fresh[fresh.length - 1];
        double[] cos = new double[docs.size()];
        for (int i = 0; i < docs.size(); i++) {
            cos[i] = Vectors.dot(q, vectors[i]);
        }
        return cos;
    }

    /**
     * Weighted reciprocal-rank fusion of the BM25 ranking (only docs sharing a term) and the dense
     * ranking (all docs, weight {@code denseWeight}); without a dense ranking, the BM25 scores
     * themselves.
     */
    static double[] fuse(double[] lexical, @Nullable double[] dense, double denseWeight) {
        if (dense == null) {
            return lexical;
        }
        double[] out = new double[lexical.length];
        addRanks(out, lexical, true, 1.0);
        addRanks(out, dense, false, denseWeight);
        return out;
    }

    private static void addRanks(
            double[] out, double[] scores, boolean positiveOnly, double weight) {
        Integer[] idx = new Integer[scores.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(scores[b], scores[a]));
        int rank = 0;
        for (int i : idx) {
            if (positiveOnly && scores[i] <= 0) {
                break;
            }
            rank++;
            out[i] += weight / (RRF_K + rank);
        }
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
        Instant t = Instant.ofEpochMilli(o.getEventTime());
        return MemoryRecord.newBuilder()
                .setMemoryId("stm:" + o.getId())
                .setTenantId(o.getTenantId())
                .setUserId(o.getUserId())
                .setText(ExtractiveConsolidator.factText(o))
                .setSpeaker(o.getSpeaker())
                .setEventTime(t)
                .setValidFrom(t)
                .setSourceTurnIds(List.of(o.getId()))
                .setLastAccessTime(t)
                .setVersion(0)
                .build();
    }
}
