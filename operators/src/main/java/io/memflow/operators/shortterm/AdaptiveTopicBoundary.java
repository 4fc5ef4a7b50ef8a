package io.memflow.operators.shortterm;

import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.embedding.StoredVectors;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.serving.embedding.TextEmbedder;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/**
 * LightMem's fine topic segmentation by embedding similarity with an adaptive threshold. Over a
 * closed run of turns t_1..t_n it takes the cosine of each turn to the next, sim_i = cos(e_i,
 * e_{i+1}), then searches the threshold: start at τ = {@code minThreshold} (0.20) and raise it by
 * {@code step} (0.05) up to {@code maxThreshold} (0.50) until some sim_i < τ; a new segment starts
 * at every such i + 1. If no pair is below 0.50 the run stays one segment. The lowest threshold
 * that cuts anywhere adapts to how alike a conversation's turns are overall; a fixed threshold
 * would either never cut a chatty run or shred a focused one.
 *
 * <p>The turns are embedded in one batched call, each as its speaker and full, uncompressed text
 * ({@link MemoryText#embedded(String, String)}); the vectors stay on the observations and become
 * the memories' vectors, so consolidation does not embed again. Embeddings of the same input are
 * the same, so segments are identical on replay. LightMem also intersects these cuts with
 * attention-based ones from its compressor's BERT, which memflow does not run (no LLMLingua model
 * offline); its similarity cuts alone are what this class reproduces.
 */
public final class AdaptiveTopicBoundary implements TopicBoundary {
    private static final long serialVersionUID = 1L;

    /** LightMem's search: 0.20 → 0.50 in steps of 0.05. */
    public static final double MIN_THRESHOLD = 0.20;

    public static final double MAX_THRESHOLD = 0.50;
    public static final double STEP = 0.05;

    private final double minThreshold;

    /** The configured embedding model; its instance is per JVM, not serialized. */
    private final String embeddingModel;

    @Nullable private transient TextEmbedder embedder;

    /** With the JVM's instance of {@code embeddingModel}, loaded on first use. */
    public AdaptiveTopicBoundary(double minThreshold, String embeddingModel) {
        this.minThreshold = minThreshold;
        this.embeddingModel = embeddingModel;
    }

    /** With the given embedder (tests). */
    public AdaptiveTopicBoundary(double minThreshold, TextEmbedder embedder) {
        this.minThreshold = minThreshold;
        this.embeddingModel = embedder.modelId();
        this.embedder = embedder;
    }

    /** Never cuts while a run grows: the adaptive threshold needs the whole run. */
    @Override
    public boolean isBoundary(Segment open, Observation next) {
        return false;
    }

    @Override
    public List<Integer> cuts(List<Observation> run) {
        if (run.size() < 2) {
            return List.of();
        }
        float[][] v = vectors(run);
        double[] sims = new double[run.size() - 1];
        for (int i = 0; i < sims.length; i++) {
            // calibrated, so the threshold search means the same for every model
            sims[i] = embedder().calibrated(Vectors.dot(v[i], v[i + 1]));
        }
        return boundaries(sims, minThreshold);
    }

    /**
     * The threshold search on consecutive similarities: the start indices (1..n-1) of new segments
     * at the lowest threshold from {@code minThreshold} up to {@link #MAX_THRESHOLD} that yields
     * any; empty if none does.
     */
    public static List<Integer> boundaries(double[] sims, double minThreshold) {
        List<Integer> out = new ArrayList<>();
        // integer steps, so that 0.20 + k * 0.05 does not drift past 0.50 in floating point
        int steps = (int) Math.round((MAX_THRESHOLD - minThreshold) / STEP);
        for (int k = 0; k <= steps && out.isEmpty(); k++) {
            double tau = minThreshold + k * STEP;
            for (int i = 0; i < sims.length; i++) {
                if (sims[i] < tau) {
                    out.add(i + 1);
                }
            }
        }
        return out;
    }

    /** The turns' vectors; turns without one are embedded in one call and keep it. */
    private float[][] vectors(List<Observation> run) {
        float[][] out = new float[run.size()][];
        List<String> texts = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < run.size(); i++) {
            Observation o = run.get(i);
            float[] stored = StoredVectors.vector(o, embedder());
            if (stored != null) {
                out[i] = stored;
            } else {
                texts.add(MemoryText.embedded(o.getSpeaker(), o.getText()));
                at.add(i);
            }
        }
        if (!texts.isEmpty()) {
            float[][] fresh = embedder().embed(texts);
            for (int j = 0; j < fresh.length; j++) {
                // compare what is stored, so a restored run cuts exactly where this one does
                out[at.get(j)] =
                        StoredVectors.set(run.get(at.get(j)), fresh[j], embedder().modelId());
            }
        }
        return out;
    }

    private TextEmbedder embedder() {
        if (embedder == null) {
            embedder = Embedders.load(embeddingModel);
        }
        return embedder;
    }
}
