package io.memflow.serving.api;

/**
 * What the Flink operators see of the inference engine: prompt in, tokens and text out, with
 * streaming and cancellation. Implementations are thread-safe but run one generation at a time;
 * tests use a {@code TestingInferenceEngine} fake instead of a model.
 */
public interface InferenceEngine extends AutoCloseable {

    /** Model name, architecture and sizes, for logs and metrics. */
    ModelInfo info();

    /** Token ids of {@code text} (no BOS, special tokens written out are parsed). */
    int[] encode(String text);

    /** Text of {@code tokens} as a continuation of a sequence. */
    String decode(int[] tokens);

    /**
     * Runs one generation.
     *
     * @param listener called for every generated token with the text it completes (possibly empty
     *     while a multi-byte character is split across tokens), on the calling thread
     * @param cancellation checked between tokens; a cancelled run returns what it has with {@link
     *     GenerationResult.StopReason#CANCELLED}
     * @throws IllegalArgumentException when the prompt does not fit the context; the message names
     *     the model file and both lengths
     */
    GenerationResult generate(
            GenerationRequest request, TokenListener listener, CancellationToken cancellation);

    default GenerationResult generate(GenerationRequest request) {
        return generate(request, TokenListener.NONE, CancellationToken.none());
    }

    /** Releases the worker threads; mapped weights go when unreachable. */
    @Override
    void close();
}
