package io.memflow.serving.api;

import java.util.List;

/**
 * A generation: either a raw {@code prompt} or chat {@code messages} (rendered in the model
 * family's chat format, with an assistant turn opened). An empty raw prompt starts from BOS.
 *
 * @param maxTokens most tokens to generate
 * @param temperature 0 for greedy decoding
 * @param topP nucleus mass in (0, 1]; 1 disables it
 * @param seed sampling seed, so runs repeat exactly
 */
public record GenerationRequest(
        String prompt,
        List<ChatMessage> messages,
        int maxTokens,
        float temperature,
        float topP,
        long seed) {

    public GenerationRequest {
        if (prompt == null && (messages == null || messages.isEmpty())) {
            throw new IllegalArgumentException("need a prompt or chat messages");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        }
        messages = messages == null ? List.of() : List.copyOf(messages);
    }

    /** Greedy, 256 tokens. */
    public static GenerationRequest ofPrompt(String prompt) {
        return new GenerationRequest(prompt, null, 256, 0f, 1f, 0L);
    }

    public static GenerationRequest ofChat(List<ChatMessage> messages) {
        return new GenerationRequest(null, messages, 256, 0f, 1f, 0L);
    }

    public boolean isChat() {
        return !messages.isEmpty();
    }

    public GenerationRequest withMaxTokens(int n) {
        return new GenerationRequest(prompt, messages, n, temperature, topP, seed);
    }

    public GenerationRequest withSampling(float temperature, float topP, long seed) {
        return new GenerationRequest(prompt, messages, maxTokens, temperature, topP, seed);
    }
}
