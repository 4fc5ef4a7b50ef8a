package io.memflow.serving.api;

/**
 * The outcome of a generation.
 *
 * @param promptTokens the prompt as the model saw it (with BOS)
 * @param tokens generated tokens, without the stop token
 * @param prefillNanos time to run the prompt through the model (ends with the first token's logits)
 * @param decodeNanos time of the forward passes for generated tokens
 * @param decodeSteps forward passes timed by {@code decodeNanos}
 */
public record GenerationResult(
        int[] promptTokens,
        int[] tokens,
        String text,
        StopReason stopReason,
        long prefillNanos,
        long decodeNanos,
        int decodeSteps) {

    public enum StopReason {
        /** The model produced an end-of-sequence or end-of-turn token. */
        STOP_TOKEN,
        MAX_TOKENS,
        /** The context window is full. */
        CONTEXT_FULL,
        CANCELLED
    }

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens.length * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
    }
}
