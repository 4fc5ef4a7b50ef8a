package io.memflow.operators.embedding;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.ArrayList;
import java.util.List;

/**
 * all-MiniLM-L6-v2, int8-quantised ONNX (384-d), bundled in the langchain4j artifact, so it loads
 * offline. The model costs ~0.4 s and ~100 MB to load, so there is one per JVM, created on first
 * use (operators hold no reference to it in their serialized form).
 */
public final class MiniLmEmbedder implements Embedder {

    public static final int DIMENSION = 384;

    /** Texts per ONNX call: larger batches gain little on two cores and cost memory. */
    private static final int BATCH = 32;

    private static final class Holder {
        static final MiniLmEmbedder INSTANCE = new MiniLmEmbedder();
    }

    private final AllMiniLmL6V2QuantizedEmbeddingModel model;

    private MiniLmEmbedder() {
        this.model = new AllMiniLmL6V2QuantizedEmbeddingModel();
    }

    /** The JVM's one instance (thread-safe; the ONNX session may be shared). */
    public static MiniLmEmbedder shared() {
        return Holder.INSTANCE;
    }

    @Override
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += BATCH) {
            List<TextSegment> batch = new ArrayList<>();
            for (String t : texts.subList(start, Math.min(texts.size(), start + BATCH))) {
                batch.add(TextSegment.from(t == null || t.isBlank() ? " " : t));
            }
            List<Embedding> vectors = model.embedAll(batch).content();
            for (int i = 0; i < vectors.size(); i++) {
                out[start + i] = Vectors.normalize(vectors.get(i).vector());
            }
        }
        return out;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }
}
