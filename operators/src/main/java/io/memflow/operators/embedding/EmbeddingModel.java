package io.memflow.operators.embedding;

import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The sentence embedders memflow ships, selected by {@code memflow.embedding.model}. Both are
 * int8-quantised ONNX BERT encoders whose weights and tokenizer come inside a Maven artifact, so
 * they load offline; both give 384-d vectors, which are still never compared across models (their
 * spaces differ), see {@link StoredVectors}.
 */
public enum EmbeddingModel {
    /** all-MiniLM-L6-v2 (6 layers, mean pooling): the model of memflow's first release. */
    ALL_MINILM_L6_V2_Q(
            "all-minilm-l6-v2-q",
            "all-minilm-l6-v2-q.onnx",
            "all-minilm-l6-v2-q-tokenizer.json",
            PoolingMode.MEAN,
            384),
    /**
     * BAAI bge-small-en-v1.5 (12 layers, CLS pooling): about twice MiniLM's cost per text, and
     * measurably better at finding the turn that answers a question (docs/EVALUATION.md).
     */
    BGE_SMALL_EN_V15_Q(
            "bge-small-en-v1.5-q",
            "bge-small-en-v1.5-q.onnx",
            "bge-small-en-v1.5-q-tokenizer.json",
            PoolingMode.CLS,
            384);

    private final String id;
    final String modelResource;
    final String tokenizerResource;
    final PoolingMode pooling;
    final int dimension;

    EmbeddingModel(
            String id,
            String modelResource,
            String tokenizerResource,
            PoolingMode pooling,
            int dimension) {
        this.id = id;
        this.modelResource = modelResource;
        this.tokenizerResource = tokenizerResource;
        this.pooling = pooling;
        this.dimension = dimension;
    }

    /** The value of {@code memflow.embedding.model}, stored beside every vector. */
    public String id() {
        return id;
    }

    /** Width of its vectors. */
    public int dimension() {
        return dimension;
    }

    /**
     * @throws IllegalArgumentException naming the models there are
     */
    public static EmbeddingModel byId(String id) {
        for (EmbeddingModel m : values()) {
            if (m.id.equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "unknown memflow.embedding.model '"
                        + id
                        + "' (available: "
                        + Arrays.stream(values())
                                .map(EmbeddingModel::id)
                                .collect(Collectors.joining(", "))
                        + ")");
    }
}
