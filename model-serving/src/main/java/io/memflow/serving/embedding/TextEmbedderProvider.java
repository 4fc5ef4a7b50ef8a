package io.memflow.serving.embedding;

/**
 * A named source of {@link TextEmbedder}s, found with {@link java.util.ServiceLoader}. This is the
 * seam through which a module that model-serving may not depend on (the operators' MiniLM embedder)
 * becomes selectable as {@code kv-bench --embedder <name>}: it lists its provider in {@code
 * META-INF/services/io.memflow.serving.embedding.TextEmbedderProvider}.
 */
public interface TextEmbedderProvider {

    /** The {@code --embedder} value selecting this provider. */
    String name();

    TextEmbedder create();
}
