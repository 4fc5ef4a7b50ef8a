package io.memflow.operators.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.embedding.TextEmbedders;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The bundled ONNX models: loadable offline, normalised, calibrated, one instance per JVM. */
class EmbeddersTest {

    @ParameterizedTest
    @EnumSource(EmbeddingModel.class)
    void eachBundledModelLoadsAndIsCalibrated(EmbeddingModel m) {
        TextEmbedder e = Embedders.load(m.id());
        assertThat(Embedders.load(m.id())).isSameAs(e);
        assertThat(e.modelId()).isEqualTo(m.id());
        float[][] v =
                e.embed(
                        java.util.List.of(
                                "I bought a new bike last week.",
                                "Last week I bought a new bicycle.",
                                "Our flight to Rome was delayed by three hours."));
        for (float[] x : v) {
            assertThat(x).hasSize(e.dimension());
            assertThat(Vectors.dot(x, x)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
        // raw cosines of the two models differ by ~0.4 for unrelated text; calibrated ones agree
        assertThat(e.unrelatedCosine()).isBetween(-0.1, 0.7);
        assertThat(e.calibrated(Vectors.dot(v[0], v[1]))).isGreaterThan(0.7);
        assertThat(e.calibrated(Vectors.dot(v[0], v[2]))).isLessThan(0.3);
        // the engine's lookup by name finds it too (kv-bench --embedder)
        assertThat(TextEmbedders.byName(m.id())).isSameAs(e);
    }

    @Test
    void configurationNamesTheModelOrNone() {
        Configuration c = new Configuration();
        assertThat(Embedders.modelOf(c)).isEqualTo("bge-small-en-v1.5-q");
        c.set(MemflowOptions.EMBEDDING_MODEL, "all-minilm-l6-v2-q");
        assertThat(Embedders.modelOf(c)).isEqualTo("all-minilm-l6-v2-q");
        c.set(MemflowOptions.EMBEDDING_ENABLED, false);
        assertThat(Embedders.modelOf(c)).isNull();
        c.set(MemflowOptions.EMBEDDING_ENABLED, true);
        c.set(MemflowOptions.EMBEDDING_MODEL, "mini");
        assertThatThrownBy(() -> Embedders.modelOf(c))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown memflow.embedding.model 'mini'")
                .hasMessageContaining("available: all-minilm-l6-v2-q, bge-small-en-v1.5-q");
    }
}
