package io.memflow.operators.embedding;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.embedding.TextEmbedderProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.annotation.Nullable;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Where components get their embedder. Configuration names the model ({@link #modelOf}); a
 * component keeps that id (operators are serialized, a model is not) and asks {@link #load} for the
 * instance when it opens. A TaskManager runs many subtasks in one JVM, and each model costs 100-200
 * MB, so the instance of a model is built once per JVM and shared; there is no default instance,
 * only the configured one.
 */
public final class Embedders {
    private static final Map<String, TextEmbedder> LOADED = new ConcurrentHashMap<>();

    private Embedders() {}

    /**
     * The model id the configuration selects ({@code memflow.embedding.model}), or null when
     * embeddings are off ({@code memflow.embedding.enabled=false}: BM25-only retrieval).
     *
     * @throws IllegalArgumentException for an unknown model, naming the known ones
     */
    @Nullable
    public static String modelOf(ReadableConfig conf) {
        if (!conf.get(MemflowOptions.EMBEDDING_ENABLED)) {
            return null;
        }
        return EmbeddingModel.byId(conf.get(MemflowOptions.EMBEDDING_MODEL)).id();
    }

    /** The configured embedder, loaded once per JVM, or null when embeddings are off. */
    @Nullable
    public static TextEmbedder of(ReadableConfig conf) {
        String id = modelOf(conf);
        return id == null ? null : load(id);
    }

    /** The JVM's instance of a model, loaded on first use. */
    public static TextEmbedder load(String modelId) {
        EmbeddingModel m = EmbeddingModel.byId(modelId);
        return LOADED.computeIfAbsent(m.id(), id -> new OnnxEmbedder(m));
    }

    /** {@code memflow.embedding.model=all-minilm-l6-v2-q} for {@code kv-bench --embedder}. */
    public static final class MiniLm extends ProviderBase {
        public MiniLm() {
            super(EmbeddingModel.ALL_MINILM_L6_V2_Q);
        }
    }

    /** {@code bge-small-en-v1.5-q} for {@code kv-bench --embedder}. */
    public static final class BgeSmall extends ProviderBase {
        public BgeSmall() {
            super(EmbeddingModel.BGE_SMALL_EN_V15_Q);
        }
    }

    /**
     * Makes the ONNX models selectable by id where the engine looks embedders up by name ({@code
     * kv-bench --embedder}); ServiceLoader needs a public no-argument class per model.
     */
    abstract static class ProviderBase implements TextEmbedderProvider {
        private final EmbeddingModel model;

        ProviderBase(EmbeddingModel model) {
            this.model = model;
        }

        @Override
        public String name() {
            return model.id();
        }

        @Override
        public TextEmbedder create() {
            return load(model.id());
        }
    }
}
