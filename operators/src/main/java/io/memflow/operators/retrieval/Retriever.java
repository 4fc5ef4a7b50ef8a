package io.memflow.operators.retrieval;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.embedding.Int8Dot;
import io.memflow.operators.text.MemoryText;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryRecord;
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
 *   <li>Votes: a list of weighted {@link Signal}s (BM25 over the memory texts; cosine between the
 *       question's and the memories' embeddings, stored int8 vectors of the configured model, other
 *       entries such as short-term {@code stm:<turnId>} ones embedded once into the index; the
 *       speaker the question names; then the session neighbours of the best hits), built once from
 *       configuration ({@link #of}). Their rankings are fused in one place by weighted reciprocal
 *       rank, {@code sum w/(60 + rank)} (Cormack et al.), so no score scale dominates; equal scores
 *       share a rank.
 *   <li>Time: a date or relative expression in the question ({@link TimeExpressions}, resolved
 *       against the query time) narrows the range. Memories whose event time lies in it rank before
 *       all others; the others only fill the remaining slots, so a range that holds nothing (or too
 *       little) falls back to the whole memory. Time is a filter rather than a vote: a named month
 *       is a hard constraint that many lexical matches elsewhere must not outvote.
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

    /** Share of its score a superseded fact keeps: it stays visible, below its successor. */
    private static final double SUPERSEDED_WEIGHT = 0.5;

    /** A signal and its weight in the fusion. */
    public record Vote(Signal signal, double weight) implements Serializable {
        public Vote {
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException(
                        signal.option() + " must be a number >= 0, was " + weight);
            }
        }
    }

    /** The embedding model of the dense ranking, null for none; the instance is per JVM. */
    @Nullable private final String embeddingModel;

    /** The votes with a positive weight, in {@link Signal} order. */
    private final List<Vote> votes;

    @Nullable private transient TextEmbedder embedder;

    /** The ranked memories, and the time range the question named (null when none). */
    public record Result(List<RetrievedMemory> memories, Long from, Long to) {}

    /**
     * The retriever the configuration asks for: every signal with its weight ({@code
     * memflow.retrieval.<signal>-weight}; 0 turns one off), the dense one only when embeddings are
     * on. The job, {@code eval}, {@code serve} and the benchmarks all build it here, so they rank
     * alike.
     */
    public static Retriever of(org.apache.flink.configuration.ReadableConfig conf) {
        return new Retriever(Embedders.modelOf(conf), votes(conf));
    }

    /** Every signal with its configured weight (the dense one is dropped without a model). */
    static List<Vote> votes(org.apache.flink.configuration.ReadableConfig conf) {
        List<Vote> votes = new ArrayList<>();
        for (Signal s : Signal.values()) {
            double w =
                    switch (s) {
                        case BM25 -> conf.get(MemflowOptions.BM25_WEIGHT);
                        case DENSE -> conf.get(MemflowOptions.DENSE_WEIGHT);
                        case SPEAKER -> conf.get(MemflowOptions.SPEAKER_WEIGHT);
                        case NEIGHBOUR -> conf.get(MemflowOptions.NEIGHBOUR_WEIGHT);
                    };
            votes.add(new Vote(s, w));
        }
        return votes;
    }

    /** BM25 only (no model needed). */
    public Retriever() {
        this((String) null, List.of(new Vote(Signal.BM25, 1.0)));
    }

    /**
     * BM25 and the given embedder with the default weights of the other signals (tests,
     * benchmarks); {@code null} means no dense vote.
     */
    public Retriever(@Nullable TextEmbedder embedder) {
        this(embedder, votes(new org.apache.flink.configuration.Configuration()));
    }

    /** The given embedder (null: none) and votes (tests, ablations). */
    public Retriever(@Nullable TextEmbedder embedder, List<Vote> votes) {
        this(embedder == null ? null : embedder.modelId(), votes);
        this.embedder = embedder;
    }

    private Retriever(@Nullable String embeddingModel, List<Vote> votes) {
        this.embeddingModel = embeddingModel;
        List<Vote> on = new ArrayList<>();
        for (Vote v : votes) {
            if (v.weight() > 0 && (v.signal() != Signal.DENSE || embeddingModel != null)) {
                on.add(v);
            }
        }
        on.sort(Comparator.comparing(Vote::signal));
        this.votes = List.copyOf(on);
    }

    /** The votes in use (positive weights). */
    public List<Vote> votes() {
        return votes;
    }

    public boolean isDense() {
        return votes.stream().anyMatch(v -> v.signal() == Signal.DENSE);
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
     * Ranks {@code stored} (and the buffered observations) for {@code question} through a throwaway
     * {@link MemoryIndex} (tests and one-off callers; the job and {@code serve} keep theirs).
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

    /**
     * Ranks the memories of a prepared index ({@code serve} and the job keep one per user). Entries
     * without a vector of this retriever's model get one first, kept in the index, so only the
     * first search after a change pays for embedding them.
     */
    public Result retrieve(String question, long now, MemoryIndex index, int k) {
        TextEmbedder e = isDense() ? embedder() : null;
        if (e != null) {
            index.fillVectors(e);
        }
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
        double[] scores = fuse(question, index, k);

        Map<String, Integer> activeBySubject = index.activeBySubject();
        int[] superseded = index.supersededSlots();
        double[] fused = scores.clone();
        for (int i : superseded) {
            MemoryIndex.Entry e = docs[i];
            if (scores[i] > 0) {
                fused[i] = scores[i] * SUPERSEDED_WEIGHT;
                Integer successor = successor(e, activeBySubject);
                if (successor != null) {
                    fused[successor] = Math.max(fused[successor], scores[i] + 2e-9);
                }
            }
        }
        // with fused ranks the halved score would drop a superseded fact out of sight; it goes
        // right below the fact that replaced it instead, where its validity explains the change
        for (int i : superseded) {
            MemoryIndex.Entry e = docs[i];
            if (scores[i] <= 0) {
                continue;
            }
            Integer successor = successor(e, activeBySubject);
            if (successor != null) {
                fused[i] = Math.max(fused[i], fused[successor] - 1e-9);
            }
        }
        TimeExpressions.Range range = TimeExpressions.resolve(question, now).orElse(null);
        long[] times = index.eventTimes;
        boolean[] inRange = new boolean[cap];
        for (int i = 0; i < cap; i++) {
            inRange[i] = docs[i] != null && (range == null || range.contains(times[i]));
        }
        Comparator<Integer> better =
                Comparator.<Integer, Boolean>comparing(i -> !inRange[i])
                        .thenComparingDouble(i -> -fused[i])
                        .thenComparingLong(i -> -times[i])
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
     * sum ({@link Int8Dot}), so it is the same on every kernel and JVM. {@link #retrieve} gave
     * every entry its vector first ({@link MemoryIndex#fillVectors}); one that a concurrent writer
     * added since scores 0 here, and gets its vector on the next search.
     */
    @Nullable
    private double[] denseScores(String question, MemoryIndex index) {
        TextEmbedder e = embedder();
        int cap = index.capacity();
        if (e == null || index.count() == 0) {
            return null;
        }
        float[] q = e.embed(question);
        double[] cos = new double[cap];
        int dim = index.dimension;
        if (dim > 0 && dim == q.length && dim <= Int8Dot.MAX_DIMENSION) {
            Int8Dot.Query qq = Int8Dot.query(q);
            byte[] vectors = index.vectors;
            float[] scales = index.scales;
            for (int i = 0; i < cap; i++) {
                if (scales[i] > 0) { // a live entry with its vector in place (see MemoryIndex)
                    cos[i] =
                            Int8Dot.dot(qq.values(), vectors, i * dim, dim)
                                    * ((double) qq.scale() * scales[i]);
                }
            }
        }
        return cos;
    }

    /**
     * The weighted reciprocal-rank fusion of every vote: first the signals that look at the
     * question, then {@link Signal#NEIGHBOUR}, which looks at the first stage's best hits.
     */
    private double[] fuse(String question, MemoryIndex index, int k) {
        int cap = index.capacity();
        double[] fused = new double[cap];
        Vote neighbour = null;
        for (Vote v : votes) {
            double[] s =
                    switch (v.signal()) {
                        case BM25 -> bm25(contentTerms(question, index), index);
                        case DENSE -> denseScores(question, index);
                        case SPEAKER -> speakerScores(question, index);
                        case NEIGHBOUR -> null; // second stage, below
                    };
            if (v.signal() == Signal.NEIGHBOUR) {
                neighbour = v;
            } else if (s != null) {
                addRanks(fused, s, v.signal() != Signal.DENSE, v.weight(), index, cap);
            }
        }
        if (neighbour != null) {
            addRanks(fused, neighbourScores(fused, index, k), true, neighbour.weight(), index, cap);
        }
        return fused;
    }

    /** Fuses given score arrays over docs named by position (tests of the fusion itself). */
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
        int cap = index.capacity();
        double[] out = new double[cap];
        addRanks(out, lexical, true, 1.0, index, cap);
        if (dense != null) {
            addRanks(out, dense, false, denseWeight, index, cap);
        }
        return out;
    }

    /**
     * The question's BM25 terms without the speakers' names: memories are indexed without their
     * speaker label, and who said it is the {@link Signal#SPEAKER} vote's business. A name every
     * memory carries would otherwise make BM25 rank every memory, by length.
     */
    private static List<String> contentTerms(String question, MemoryIndex index) {
        Map<String, int[]> names = index.speakers().byTerm();
        List<String> out = new ArrayList<>();
        for (String t : Text.terms(question)) {
            if (!names.containsKey(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * 1 for the memories of the speakers the question names (a term of the question equal to a term
     * of a speaker's name, normalised as BM25 terms are), 0 otherwise; null when it names none, or
     * when there is only one speaker (no information).
     */
    @Nullable
    private static double[] speakerScores(String question, MemoryIndex index) {
        MemoryIndex.Speakers speakers = index.speakers();
        if (speakers.count() < 2) {
            return null;
        }
        double[] out = null;
        for (String t : new java.util.LinkedHashSet<>(Text.terms(question))) {
            int[] slots = speakers.byTerm().get(t);
            if (slots == null) {
                continue;
            }
            if (out == null) {
                out = new double[index.capacity()];
            }
            for (int slot : slots) {
                out[slot] = 1.0;
            }
        }
        return out;
    }

    /**
     * For each memory, the best first-stage score among the {@code k} best hits it sits next to in
     * their session (the memory just before or after a hit, by event time): a hit's context.
     */
    private static double[] neighbourScores(double[] firstStage, MemoryIndex index, int k) {
        int cap = index.capacity();
        MemoryIndex.Entry[] docs = index.slots;
        double[] out = new double[cap];
        int[] prev = index.sessionPrev();
        int[] next = index.sessionNext();
        Comparator<Integer> better =
                Comparator.<Integer>comparingDouble(i -> -firstStage[i])
                        .thenComparing(i -> docs[i].id);
        for (int hit : top(k, firstStage, docs, cap, better)) {
            double s = firstStage[hit];
            if (prev[hit] >= 0) {
                out[prev[hit]] = Math.max(out[prev[hit]], s);
            }
            if (next[hit] >= 0) {
                out[next[hit]] = Math.max(out[next[hit]], s);
            }
        }
        return out;
    }

    /**
     * Adds {@code weight / (RRF_K + rank)} for each memory's rank by {@code scores} (highest first;
     * equal scores share a rank). The ranks come from one sort of primitive keys (the score's bits,
     * then the memory's position in id order), not from sorting boxed indexes with a comparator: at
     * 10,000 memories that is a fraction of a millisecond instead of several.
     */
    private static void addRanks(
            double[] out,
            double[] scores,
            boolean positiveOnly,
            double weight,
            MemoryIndex index,
            int cap) {
        MemoryIndex.Entry[] docs = index.slots;
        if (cap <= PACKED_SLOTS) {
            addRanksPacked(out, scores, positiveOnly, weight, docs, cap);
            return;
        }
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
        int rank = 0;
        for (int p = 0; p < n; p++) {
            if (p == 0 || key[p] != key[p - 1]) {
                rank = p + 1; // equal scores share the best rank of their group
            }
            out[slot[p]] += weight / (RRF_K + rank);
        }
    }

    /** Slots that fit in the low bits of a packed sort key. */
    private static final int SLOT_BITS = 24;

    private static final int PACKED_SLOTS = 1 << SLOT_BITS;

    /**
     * {@link #addRanks} for up to 2^24 slots: each score's order-preserving key with the slot in
     * its low 24 bits, one primitive sort. Scores that agree in the key's upper 40 bits (a relative
     * difference below about 1e-8) share a rank, as equal scores do; which one sorts first among
     * them never matters, since they get the same rank.
     */
    private static void addRanksPacked(
            double[] out,
            double[] scores,
            boolean positiveOnly,
            double weight,
            MemoryIndex.Entry[] docs,
            int cap) {
        long mask = PACKED_SLOTS - 1;
        long[] packed = new long[cap];
        int n = 0;
        for (int i = 0; i < cap; i++) {
            if (docs[i] != null && (!positiveOnly || scores[i] > 0)) {
                long bits = Double.doubleToLongBits(scores[i]);
                long key = ~(bits ^ ((bits >> 63) & Long.MAX_VALUE));
                // the key's top bits, then the slot: ascending is descending score
                packed[n++] = ((key >> SLOT_BITS) << SLOT_BITS) | i;
            }
        }
        java.util.Arrays.sort(packed, 0, n);
        int rank = 0;
        for (int p = 0; p < n; p++) {
            if (p == 0 || (packed[p] & ~mask) != (packed[p - 1] & ~mask)) {
                rank = p + 1;
            }
            out[(int) (packed[p] & mask)] += weight / (RRF_K + rank);
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
                .setSessionId(o.getSessionId())
                // the turn's vector when segmentation already made it (of its full text)
                .setEmbedding(o.getEmbedding())
                .setEmbeddingScale(o.getEmbeddingScale())
                .setEmbeddingModel(o.getEmbeddingModel())
                .setEventTime(t)
                .setValidFrom(t)
                .setSourceTurnIds(List.of(o.getId()))
                .setLastAccessTime(t)
                .setVersion(0)
                .build();
    }
}
