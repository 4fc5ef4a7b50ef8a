package io.memflow.operators.consolidate;

import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.embedding.StoredVectors;
import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.serving.embedding.TextEmbedder;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Turns a flushed segment batch into candidate memory entries for the long-term tier (one call per
 * batch, never per turn) and, when embeddings are on, gives each candidate the int8-quantised
 * embedding for dense retrieval: topic segmentation already embedded the turn and handed the vector
 * on, so only candidates without one are embedded here, in one batched call. Every other envelope
 * passes unchanged.
 */
public class ConsolidateFunction extends RichMapFunction<MemoryInput, MemoryInput> {
    private static final long serialVersionUID = 1L;

    private final Consolidator consolidator;

    /** The configured embedding model, null for none; the instance is per JVM, not serialized. */
    @Nullable private final String embeddingModel;

    @Nullable private transient TextEmbedder embedder;

    public ConsolidateFunction(Consolidator consolidator) {
        this(consolidator, null);
    }

    public ConsolidateFunction(Consolidator consolidator, @Nullable String embeddingModel) {
        this.consolidator = consolidator;
        this.embeddingModel = embeddingModel;
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        embedder = embeddingModel == null ? null : Embedders.load(embeddingModel);
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

    /** Sets the vector of each record from its text ({@link MemoryText#embedded(MemoryRecord)}). */
    public static void embedAll(TextEmbedder embedder, List<MemoryRecord> records) {
        float[][] vectors = embedder.embed(records.stream().map(MemoryText::embedded).toList());
        for (int i = 0; i < records.size(); i++) {
            StoredVectors.set(records.get(i), vectors[i], embedder.modelId());
        }
    }

    /**
     * Embeds, in one batched call, the records that have no vector of this embedder yet; the others
     * carry the one topic segmentation computed for the same text.
     */
    public static void embedMissing(TextEmbedder embedder, List<MemoryRecord> records) {
        List<MemoryRecord> missing = new ArrayList<>();
        for (MemoryRecord r : records) {
            if (!StoredVectors.usable(r, embedder)) {
                missing.add(r);
            }
        }
        if (!missing.isEmpty()) {
            embedAll(embedder, missing);
        }
    }
}
