package io.memflow.operators.consolidate;

import io.memflow.operators.embedding.Embedder;
import io.memflow.operators.embedding.MiniLmEmbedder;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.MemoryInput;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Turns a flushed segment batch into candidate memory entries for the long-term tier (one call per
 * batch, never per turn) and, when embeddings are on, gives each candidate the int8-quantised
 * embedding of its dated text for dense retrieval: topic segmentation already embedded the same
 * text and handed the vector on, so only candidates without one are embedded here, in one batched
 * call. Every other envelope passes unchanged.
 */
public class ConsolidateFunction extends RichMapFunction<MemoryInput, MemoryInput> {
    private static final long serialVersionUID = 1L;

    private final Consolidator consolidator;
    private final boolean embed;

    @Nullable private transient Embedder embedder;

    public ConsolidateFunction(Consolidator consolidator) {
        this(consolidator, false);
    }

    public ConsolidateFunction(Consolidator consolidator, boolean embed) {
        this.consolidator = consolidator;
        this.embed = embed;
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        embedder = embed ? MiniLmEmbedder.shared() : null;
        consolidator.open();
        consolidator.register(getRuntimeContext());
    }

    @Override
    public void close() {
        consolidator.close();
    }

    @Override
    public MemoryInput map(MemoryInput in) {
        if (in.getBatch() == null) {
            return in;
        }
        List<MemoryRecord> candidates =
                consolidator.consolidate(in.getTenantId(), in.getUserId(), in.getBatch());
        if (embedder != null && !candidates.isEmpty()) {
            embedMissing(embedder, candidates);
        }
        return MemoryInput.newBuilder(in).setCandidates(candidates).setBatch(null).build();
    }

    /** Sets {@code embedding}/{@code embeddingScale} of each record from its text. */
    public static void embedAll(Embedder embedder, List<MemoryRecord> records) {
        float[][] vectors = embedder.embed(records.stream().map(MemoryText::dated).toList());
        for (int i = 0; i < records.size(); i++) {
            setEmbedding(records.get(i), vectors[i]);
        }
    }

    /**
     * Embeds, in one batched call, the records that have no embedding yet; the others carry the one
     * topic segmentation computed for the same text.
     */
    public static void embedMissing(Embedder embedder, List<MemoryRecord> records) {
        List<MemoryRecord> missing = new ArrayList<>();
        for (MemoryRecord r : records) {
            if (r.getEmbedding() == null) {
                missing.add(r);
            }
        }
        if (!missing.isEmpty()) {
            embedAll(embedder, missing);
        }
    }

    /** Stores {@code vector} int8-quantised on the record. */
    public static void setEmbedding(MemoryRecord r, float[] vector) {
        float scale = Vectors.scale(vector);
        r.setEmbedding(Vectors.quantize(vector, scale));
        r.setEmbeddingScale(scale);
    }
}
