package io.memflow.operators.embedding;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import io.memflow.serving.embedding.TextEmbedder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the {@link EmbeddingModel}s, run in process by ONNX Runtime. Loading costs 0.4-1 s and
 * 100-200 MB, so components do not build their own: {@link Embedders#load} hands out one instance
 * per model and JVM (thread-safe; texts of a call are encoded in parallel).
 */
public final class OnnxEmbedder implements TextEmbedder {

    /** Texts per ONNX call: larger batches gain little on two cores and cost memory. */
    private static final int BATCH = 32;

    /**
     * Twelve everyday sentences on unrelated subjects (ours, not from any evaluation set): their
     * mean pairwise cosine is the model's {@link #unrelatedCosine()}.
     */
    static final List<String> UNRELATED =
            List.of(
                    "I bought a new bike last week.",
                    "The meeting moved to Thursday afternoon.",
                    "My sister lives in Chicago.",
                    "We adopted a kitten from the shelter.",
                    "The soup needs more salt.",
                    "He is studying for his chemistry exam.",
                    "Our flight to Rome was delayed by three hours.",
                    "I started learning the guitar.",
                    "The roof leaks when it rains.",
                    "She painted a sunset over the lake.",
                    "My knee hurts after running.",
                    "They opened a bakery downtown.");

    private final EmbeddingModel model;
    private final Encoder encoder;
    private final double unrelatedCosine;

    OnnxEmbedder(EmbeddingModel model) {
        this.model = model;
        this.encoder = new Encoder(load(model));
        float[][] v = embed(UNRELATED);
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < v.length; i++) {
            for (int j = i + 1; j < v.length; j++) {
                sum += Vectors.dot(v[i], v[j]);
                pairs++;
            }
        }
        this.unrelatedCosine = sum / pairs;
    }

    @Override
    public double unrelatedCosine() {
        return unrelatedCosine;
    }

    private static OnnxBertBiEncoder load(EmbeddingModel model) {
        ClassLoader cl = OnnxEmbedder.class.getClassLoader();
        try (InputStream weights = cl.getResourceAsStream(model.modelResource);
                InputStream tokenizer = cl.getResourceAsStream(model.tokenizerResource)) {
            if (weights == null || tokenizer == null) {
                throw new IllegalStateException(
                        "embedding model "
                                + model.id()
                                + " is not on the class path ("
                                + model.modelResource
                                + "); the memflow jar bundles it: rebuild with mvn package");
            }
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                // one thread per text: a batch runs its texts in parallel (one task each), and
                // concurrent searches each embed their own question; ONNX's default of one
                // thread per core under both would oversubscribe the cores
                options.setIntraOpNumThreads(1);
                options.setInterOpNumThreads(1);
                OrtSession session = env.createSession(weights.readAllBytes(), options);
                return new OnnxBertBiEncoder(env, session, tokenizer, model.pooling);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read embedding model " + model.id(), e);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load embedding model " + model.id(), e);
        }
    }

    /** langchain4j's parallel batch runner around the encoder. */
    private static final class Encoder extends AbstractInProcessEmbeddingModel {
        private final OnnxBertBiEncoder bert;

        Encoder(OnnxBertBiEncoder bert) {
            super(null);
            this.bert = bert;
        }

        @Override
        protected OnnxBertBiEncoder model() {
            return bert;
        }
    }

    @Override
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += BATCH) {
            List<TextSegment> batch = new ArrayList<>();
            for (String t : texts.subList(start, Math.min(texts.size(), start + BATCH))) {
                batch.add(TextSegment.from(t == null || t.isBlank() ? " " : t));
            }
            List<Embedding> vectors = encoder.embedAll(batch).content();
            for (int i = 0; i < vectors.size(); i++) {
                out[start + i] = Vectors.normalize(vectors.get(i).vector());
            }
        }
        return out;
    }

    @Override
    public int dimension() {
        return model.dimension();
    }

    @Override
    public String modelId() {
        return model.id();
    }
}
