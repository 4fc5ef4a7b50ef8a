package io.memflow.serving.api;

/** Identity and size of a loaded model. */
public record ModelInfo(
        String name,
        String architecture,
        int contextLength,
        int vocabularySize,
        long weightBytesPerToken) {}
