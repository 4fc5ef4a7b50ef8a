package io.memflow.operators.retrieval;

import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.embedding.Int8Dot;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.MemoryText;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.internal.Observation;
import io.memflow.serving.embedding.TextEmbedder;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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

    /** The embedding model of the dense ranking, null for none; the instance is per JVM. */
    @Nullable private final String embeddingModel;

    private final double denseWeight;

    @Nullable private transient TextEmbedder embedder;

    /** The ranked memories, and the time range the question named (null when none). */
    public record Result(List<RetrievedMemory> memories, Long from, Long to) {}

    /**
     * The retriever the configuration asks for: hybrid (BM25 and the configured embedder, fused)
     * when embeddings are on, BM25 alone otherwise. The job, {@code eval}, {@code serve} and the
     * benchmarks build it here, so they rank alike.
     */
    public static Retriever of(org.apache.flink.configuration.ReadableConfig conf) {
        return new Retriever(
                Embedders.modelOf(conf),
                conf.get(io.memflow.operators.config.MemflowOptions.DENSE_WEIGHT));
    }

    /** BM25 only (no model needed). */
    public Retriever() {
        this((String) null, 0);
    }

    /** Hybrid with the given embedder (tests, benchmarks); {@code null} means BM25 only. */
    public Retriever(@Nullable TextEmbedder embedder) {
        this(embedder == null ? null : embedder.modelId(), DENSE_WEIGHT);
        this.embedder = embedder;
    }

    private Retriever(@Nullable String embeddingModel, double denseWeight) {
        if (!(denseWeight >= 0)) {
            throw new IllegalArgumentException(
                    "memflow.retrieval.dense-weight must be >= 0, was " + denseWeight);
        }
        this.embeddingModel = embeddingModel;
        this.denseWeight = denseWeight;
    }

    public boolean isDense() {
        return embeddingModel != null;
    }

    /** The model of the dense ranking, or null for BM25 only. */
    @Nullable
    public String embeddingModel() {
        return embeddingModel;
    }

    /** The embedder of the dense ranking (loaded once per JVM), or null for BM25 only. */
    @Nullable
    public TextEmbedder embedder() {
        if (embeddingModel != null && embedder == null) {
            embedder = Embedders.load(embeddingModel);
        }
        return embedder;
    }

    /** An empty index whose vectors this retriever can use ({@code serve} keeps one per user). */
    public MemoryIndex newIndex() {
        return new MemoryIndex(embeddingModel);
    }

    /**
     * Ranks {@code stored} (and the buffered observations) for {@code question}: the job's path,
     * which prepares a throwaway {@link MemoryIndex} per query.
     */
    public Result retrieve(
            String question,
            long now,
            List<MemoryRecord> stored,
            List<Observation> pending,
            int k) {
        MemoryIndex index = newIndex();
        for (MemoryRecord r : stored) {
            index.put(r);
        }
        for (Observation o : pending) {
            index.put(transientRecord(o));
        }
        return retrieve(question, now, index, k);
    }

    /** Ranks the memories of a prepared index ({@code serve} keeps one per user). */
    public Result retrieve(String question, long now, MemoryIndex index, int k) {
        index.lock.readLock().lock();
        try {
            return rank(question, now, index, k);
        } finally {
            index.lock.readLock().unlock();
        }
    }

    private Result rank(String question, long now, MemoryIndex index, int k) {
        int cap = index.capacity();
        MemoryIndex.Entry[] docs = index.slots;
        double[] lexical = bm25(Text.terms(question), index);
        double[] scores = fuse(lexical, denseScores(question, index), denseWeight, index);

        Map<String, Integer> activeBySubject = index.activeBySubject();
        double[] fused = scores.clone();
        for (int i = 0; i < cap; i++) {
            MemoryIndex.Entry e = docs[i];
            if (e != null && e.record.getStatus() == MemoryStatus.SUPERSEDED && scores[i] > 0) {
                fused[i] = scores[i] * SUPERSEDED_WEIGHT;
                Integer successor = successor(e, activeBySubject);
                if (successor != null) {
                    fused[successor] = Math.max(fused[successor], scores[i] + 2e-9);
                }
            }
        }
        // with fused ranks the halved score would drop a superseded fact out of sight; it goes
        // right below the fact that replaced it instead, where its validity explains the change
        for (int i = 0; i < cap; i++) {
            MemoryIndex.Entry e = docs[i];
            if (e == null || e.record.getStatus() != MemoryStatus.SUPERSEDED || scores[i] <= 0) {
                continue;
            }
            Integer successor = successor(e, activeBySubject);
            if (successor != null) {
                fused[i] = Math.max(fused[i], fused[successor] - 1e-9);
            }
        }
        TimeExpressions.Range range = TimeExpressions.resolve(question, now).orElse(null);
        boolean[] inRange = new boolean[cap];
        for (int i = 0; i < cap; i++) {
            inRange[i] = docs[i] != null && (range == null || range.contains(docs[i].eventTime));
        }
        Comparator<Integer> better =
                Comparator.<Integer, Boolean>comparing(i -> !inRange[i])
                        .thenComparingDouble(i -> -fused[i])
                        .thenComparingLong(i -> -docs[i].eventTime)
                        .thenComparing(i -> docs[i].id);
        List<RetrievedMemory> out = new ArrayList<>();
        for (int i : top(k, fused, docs, cap, better)) {
            MemoryRecord r = docs[i].record;
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

    @Nullable
    private static Integer successor(MemoryIndex.Entry e, Map<String, Integer> activeBySubject) {
        return e.record.getSubject() == null ? null : activeBySubject.get(e.record.getSubject());
    }

    /**
     * The k best slots with a positive score, best first: a bounded heap rather than a sort of
     * every memory, with the same total order (so the same answer).
     */
    private static List<Integer> top(
            int k, double[] fused, MemoryIndex.Entry[] docs, int cap, Comparator<Integer> better) {
        java.util.PriorityQueue<Integer> worstFirst =
                new java.util.PriorityQueue<>(better.reversed());
        for (int i = 0; i < cap; i++) {
            if (docs[i] == null || !(fused[i] > 0) || k <= 0) {
                continue;
            }
            if (worstFirst.size() < k) {
                worstFirst.add(i);
            } else if (better.compare(i, worstFirst.peek()) < 0) {
                worstFirst.poll();
                worstFirst.add(i);
            }
        }
        List<Integer> out = new ArrayList<>(worstFirst);
        out.sort(better);
        return out;
    }

    /**
     * Cosine of each memory to the question, or null without an embedder. Stored int8 vectors are
     * read as bytes: the question is quantised to 16 bits and the dot product is an exact integer
     * sum ({@link Int8Dot}), so it is the same on every kernel and JVM. Memories without one
     * (short-term entries) are embedded here, with the question, in one call.
     */
    @Nullable
    private double[] denseScores(String question, MemoryIndex index) {
        TextEmbedder e = embedder();
        int cap = index.capacity();
        if (e == null || index.count() == 0) {
            return null;
        }
        MemoryIndex.Entry[] docs = index.slots;
        List<String> missing = new ArrayList<>();
        List<Integer> missingAt = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            if (docs[i] != null && !docs[i].hasVector) {
                missing.add(MemoryText.dated(docs[i].record));
                missingAt.add(i);
            }
        }
        missing.add(question);
        float[][] fresh = e.embed(missing);
        float[] q = fresh[fresh.length - 1];
        double[] cos = new double[cap];
        int dim = index.dimension;
        if (dim > 0 && dim == q.length && dim <= Int8Dot.MAX_DIMENSION) {
            Int8Dot.Query qq = Int8Dot.query(q);
            byte[] vectors = index.vectors;
            float[] scales = index.scales;
            for (int i = 0; i < cap; i++) {
                if (docs[i] != null && docs[i].hasVector) {
                    cos[i] =
                            Int8Dot.dot(qq.values(), vectors, i * dim, dim)
                                    * ((double) qq.scale() * scales[i]);
                }
            }
        }
        for (int j = 0; j < missingAt.size(); j++) {
            cos[missingAt.get(j)] = Vectors.dot(q, fresh[j]);
        }
        return cos;
    }

    /** {@link #fuse(double[], double[], double, MemoryIndex)} over docs named by position. */
    static double[] fuse(double[] lexical, @Nullable double[] dense, double denseWeight) {
        MemoryIndex index = new MemoryIndex(null);
        for (int i = 0; i < lexical.length; i++) {
            Instant t = Instant.EPOCH;
            index.put(
                    MemoryRecord.newBuilder()
                            .setMemoryId(String.format("%09d", i))
                            .setTenantId("")
                            .setUserId("")
                            .setText("")
                            .setEventTime(t)
                            .setValidFrom(t)
                            .setLastAccessTime(t)
                            .setSourceTurnIds(List.of())
                            .setVersion(1)
                            .build());
        }
        return fuse(lexical, dense, denseWeight, index);
    }

    /**
     * Weighted reciprocal-rank fusion of the BM25 ranking (only docs sharing a term) and the dense
     * ranking (all docs, weight {@code denseWeight}); without a dense ranking, the BM25 scores
     * themselves. Equal scores take ranks in memory-id order.
     */
    static double[] fuse(
            double[] lexical, @Nullable double[] dense, double denseWeight, MemoryIndex index) {
        int cap = index.capacity();
        if (dense == null) {
            return lexical;
        }
        double[] out = new double[cap];
        addRanks(out, lexical, true, 1.0, index, cap);
        addRanks(out, dense, false, denseWeight, index, cap);
        return out;
    }

    /**
     * Adds {@code weight / (RRF_K + rank)} for each memory's rank by {@code scores} (highest first,
     * equal scores in memory-id order). The ranks come from one sort of primitive keys (the score's
     * bits, then the memory's position in id order), not from sorting boxed indexes with a
     * comparator: at 10,000 memories that is a fraction of a millisecond instead of several.
     */
    private static void addRanks(
            double[] out,
            double[] scores,
            boolean positiveOnly,
            double weight,
            MemoryIndex index,
            int cap) {
        MemoryIndex.Entry[] docs = index.slots;
        int[] idOrder = index.idOrder();
        int n = 0;
        long[] key = new long[cap];
        int[] tie = new int[cap];
        int[] slot = new int[cap];
        for (int i = 0; i < cap; i++) {
            if (docs[i] != null && (!positiveOnly || scores[i] > 0)) {
                // bit-not of the order-preserving bits: ascending keys are descending scores, in
                // Double.compare order
                long bits = Double.doubleToLongBits(scores[i]);
                key[n] = ~(bits ^ ((bits >> 63) & Long.MAX_VALUE));
                tie[n] = idOrder[i];
                slot[n++] = i;
            }
        }
        RankSort.sort(key, tie, slot, n);
        for (int rank = 1; rank <= n; rank++) {
            out[slot[rank - 1]] += weight / (RRF_K + rank);
        }
    }

    /** BM25 of every slot through the postings of the question's terms. */
    private static double[] bm25(List<String> query, MemoryIndex index) {
        int n = index.count();
        double[] scores = new double[index.capacity()];
        if (n == 0 || query.isEmpty()) {
            return scores;
        }
        double avgLen = Math.max((double) index.totalLength() / n, 1e-9);
        MemoryIndex.Entry[] docs = index.slots;
        for (String q : new java.util.LinkedHashSet<>(query)) {
            MemoryIndex.Postings p = index.postings.get(q);
            if (p == null) {
                continue;
            }
            int f = p.size;
            double idf = Math.log(1 + (n - f + 0.5) / (f + 0.5));
            for (int j = 0; j < p.size; j++) {
                int i = p.slots[j];
                int tf = p.tf[j];
                scores[i] +=
                        idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * docs[i].length / avgLen));
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
