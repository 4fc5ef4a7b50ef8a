package io.memflow.operators.longterm;

import io.memflow.operators.embedding.StoredVectors;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryRecord;
import io.memflow.serving.embedding.TextEmbedder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LightMem's update queues for sleep-time consolidation: the queue of an entry is its {@link #KEEP}
 * most similar <em>older</em> entries, taken from its {@link #CANDIDATES} nearest. Merge and
 * supersede decisions for an entry look only at its queue, so a sleep run costs O(new × store)
 * similarity checks and no entry is compared with everything it shares a word with.
 *
 * <p>Similarity is the cosine of the stored (int8) embeddings, calibrated for the model ({@link
 * TextEmbedder#calibrated}); an entry without one (embeddings off) is compared by the Jaccard index
 * of its terms instead. LightMem searches an ANN index for the 20 nearest and keeps 10 (its hits
 * include the entry itself and near-ties); the search here is exact, so the queue is the top 10 of
 * the top 20.
 */
final class UpdateQueues {
    static final int CANDIDATES = 20;
    static final int KEEP = 10;

    /** One queue entry: an older memory and its similarity to the queue's owner. */
    record Neighbor(MemoryRecord record, double similarity) {}

    private final Map<String, float[]> vectors = new HashMap<>();

    /** Unrelated-sentence cosine of the embedder (see {@link TextEmbedder#calibrated}). */
    private final double unrelatedCosine;

    /** Raw cosines (a model whose unrelated sentences score about 0, as in tests). */
    UpdateQueues() {
        this(0.0);
    }

    /** Cosines calibrated for the embedder that made the vectors. */
    UpdateQueues(@javax.annotation.Nullable TextEmbedder embedder) {
        this(embedder == null ? 0.0 : embedder.unrelatedCosine());
    }

    private UpdateQueues(double unrelatedCosine) {
        this.unrelatedCosine = unrelatedCosine;
    }

    private final Map<String, Set<String>> terms = new HashMap<>();

    /** Oldest first: event time, then id. "Older" in a queue means earlier in this order. */
    static final Comparator<MemoryRecord> AGE =
            Comparator.comparing(MemoryRecord::getEventTime)
                    .thenComparing(MemoryRecord::getMemoryId);

    /**
     * The queue of {@code target} over {@code pool} (any order): entries older than the target,
     * most similar first (ties: older first, then id), at most {@link #KEEP}.
     */
    List<Neighbor> queue(MemoryRecord target, List<MemoryRecord> pool) {
        List<Neighbor> nearest = new ArrayList<>();
        for (MemoryRecord r : pool) {
            if (AGE.compare(r, target) < 0) {
                nearest.add(new Neighbor(r, similarity(target, r)));
            }
        }
        nearest.sort(
                Comparator.comparingDouble((Neighbor n) -> -n.similarity())
                        .thenComparing(Neighbor::record, AGE));
        List<Neighbor> candidates = nearest.subList(0, Math.min(CANDIDATES, nearest.size()));
        return new ArrayList<>(candidates.subList(0, Math.min(KEEP, candidates.size())));
    }

    /**
     * Cosine when both have embeddings of one model, else the Jaccard index of their terms (vectors
     * of different models live in different spaces).
     */
    double similarity(MemoryRecord a, MemoryRecord b) {
        float[] va = vector(a);
        float[] vb = vector(b);
        if (va != null
                && vb != null
                && va.length == vb.length
                && java.util.Objects.equals(StoredVectors.modelOf(a), StoredVectors.modelOf(b))) {
            return TextEmbedder.calibrated(Vectors.dot(va, vb), unrelatedCosine);
        }
        return jaccard(terms(a), terms(b));
    }

    /** Forget what was cached for a record whose text (and so embedding) changed. */
    void invalidate(MemoryRecord r) {
        vectors.remove(r.getMemoryId());
        terms.remove(r.getMemoryId());
    }

    private float[] vector(MemoryRecord r) {
        if (StoredVectors.modelOf(r) == null) {
            return null;
        }
        return vectors.computeIfAbsent(
                r.getMemoryId(),
                id ->
                        Vectors.normalize(
                                Vectors.dequantize(r.getEmbedding(), r.getEmbeddingScale())));
    }

    private Set<String> terms(MemoryRecord r) {
        return terms.computeIfAbsent(r.getMemoryId(), id -> new HashSet<>(Text.terms(r.getText())));
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
}
