package io.memflow.operators.embedding;

import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.Observation;
import io.memflow.serving.embedding.TextEmbedder;
import java.nio.ByteBuffer;
import javax.annotation.Nullable;

/**
 * The rules for vectors kept on records: int8 bytes, a scale, and the id of the model that made
 * them. A vector is only ever used with the embedder of the same model and width; any other vector
 * (an older model's after a restore with a new {@code memflow.embedding.model}) counts as missing,
 * so the reader re-embeds the text instead of comparing across spaces.
 */
public final class StoredVectors {

    /**
     * The model of a vector stored without a model id: records written before the id existed, when
     * all-MiniLM-L6-v2 (int8) was the only embedder.
     */
    public static final String LEGACY_MODEL = EmbeddingModel.ALL_MINILM_L6_V2_Q.id();

    private StoredVectors() {}

    /** The model of the record's vector, or null when it has none. */
    @Nullable
    public static String modelOf(MemoryRecord r) {
        return model(r.getEmbedding(), r.getEmbeddingScale(), r.getEmbeddingModel());
    }

    @Nullable
    public static String modelOf(Observation o) {
        return model(o.getEmbedding(), o.getEmbeddingScale(), o.getEmbeddingModel());
    }

    @Nullable
    private static String model(@Nullable ByteBuffer v, float scale, @Nullable String model) {
        if (v == null || !(scale > 0)) {
            return null;
        }
        return model == null ? LEGACY_MODEL : model;
    }

    /** Whether the record carries a vector {@code e} may be compared with. */
    public static boolean usable(MemoryRecord r, TextEmbedder e) {
        return usable(r.getEmbedding(), modelOf(r), e);
    }

    public static boolean usable(Observation o, TextEmbedder e) {
        return usable(o.getEmbedding(), modelOf(o), e);
    }

    private static boolean usable(ByteBuffer v, @Nullable String model, TextEmbedder e) {
        return e.modelId().equals(model) && v.remaining() == e.dimension();
    }

    /**
     * Whether the record carries a vector of another model than {@code modelId}: it must be
     * re-embedded before the dense ranking can use it.
     */
    public static boolean foreign(MemoryRecord r, String modelId) {
        String m = modelOf(r);
        return m != null && !m.equals(modelId);
    }

    /** The record's vector as unit-length floats, or null when {@code e} may not use it. */
    @Nullable
    public static float[] vector(MemoryRecord r, TextEmbedder e) {
        return usable(r, e) ? unit(r.getEmbedding(), r.getEmbeddingScale()) : null;
    }

    @Nullable
    public static float[] vector(Observation o, TextEmbedder e) {
        return usable(o, e) ? unit(o.getEmbedding(), o.getEmbeddingScale()) : null;
    }

    /** Stored bytes as a unit-length float vector. */
    private static float[] unit(ByteBuffer v, float scale) {
        return Vectors.normalize(Vectors.dequantize(v, scale));
    }

    /** Stores {@code vector} of model {@code modelId} int8-quantised on the record. */
    public static void set(MemoryRecord r, float[] vector, String modelId) {
        float scale = Vectors.scale(vector);
        r.setEmbedding(Vectors.quantize(vector, scale));
        r.setEmbeddingScale(scale);
        r.setEmbeddingModel(modelId);
    }

    /**
     * Stores {@code vector} on the observation and returns what was stored, dequantised and
     * normalised (compare what is stored, so a restored run computes what this one did).
     */
    public static float[] set(Observation o, float[] vector, String modelId) {
        float scale = Vectors.scale(vector);
        ByteBuffer q = Vectors.quantize(vector, scale);
        o.setEmbedding(q);
        o.setEmbeddingScale(scale);
        o.setEmbeddingModel(modelId);
        return unit(q, scale);
    }

    /** Drops the record's vector (its text changed and no embedder is at hand). */
    public static void clear(MemoryRecord r) {
        r.setEmbedding(null);
        r.setEmbeddingScale(0f);
        r.setEmbeddingModel(null);
    }
}
