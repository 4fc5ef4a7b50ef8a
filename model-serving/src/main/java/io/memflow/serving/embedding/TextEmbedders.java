package io.memflow.serving.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Looks embedders up by name: the built-in {@code hashing} one, then any registered provider. */
public final class TextEmbedders {
    public static final String HASHING = "hashing";

    private TextEmbedders() {}

    /**
     * @throws IllegalArgumentException naming the embedders available
     */
    public static TextEmbedder byName(String name) {
        if (name.equals(HASHING)) {
            return new HashingEmbedder();
        }
        List<String> known = new ArrayList<>(List.of(HASHING));
        for (TextEmbedderProvider p : ServiceLoader.load(TextEmbedderProvider.class)) {
            if (p.name().equals(name)) {
                return p.create();
            }
            known.add(p.name());
        }
        throw new IllegalArgumentException(
                "unknown --embedder " + name + " (available: " + String.join(", ", known) + ")");
    }
}
