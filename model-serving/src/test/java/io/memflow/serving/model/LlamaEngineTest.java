package io.memflow.serving.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.ChatMessage;
import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.api.GenerationResult;
import io.memflow.serving.gguf.GgmlType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming, cancellation, seeded sampling and chat prompts through the engine API. */
class LlamaEngineTest {
    @TempDir Path dir;

    @Test
    void aGenerationsCacheIsSizedForItsPromptAndAtMostTheCappedBudget() {
        assertThat(LlamaEngine.cacheEntriesFor(100, 50)).isEqualTo(150);
        assertThat(LlamaEngine.cacheEntriesFor(100, 0)).isEqualTo(100);
        // a request without max_tokens may run to the end of a 128K context: not reserved up front
        assertThat(LlamaEngine.cacheEntriesFor(100, 131_000))
                .isEqualTo(100 + LlamaEngine.PRESIZED_NEW_TOKENS);
    }

    @Test
    void streamsTheSameTextItReturns() throws Exception {
        try (LlamaEngine engine =
                LlamaEngine.open(TestModels.write(dir, TestModels.LLAMA, GgmlType.Q8_0), 2)) {
            StringBuilder streamed = new StringBuilder();
            List<Integer> tokens = new ArrayList<>();
            GenerationResult r =
                    engine.generate(
                            GenerationRequest.ofPrompt("hello")
                                    .withMaxTokens(12)
                                    .withSampling(0.8f, 0.9f, 5),
                            (token, text) -> {
                                tokens.add(token);
                                streamed.append(text);
                            },
                            CancellationToken.none());
            assertThat(tokens).containsExactlyElementsOf(toList(r.tokens()));
            assertThat(streamed.toString()).isEqualTo(r.text());
            assertThat(r.promptTokens()[0]).isEqualTo(1); // BOS
            // same seed, same tokens
            GenerationResult again =
                    engine.generate(
                            GenerationRequest.ofPrompt("hello")
                                    .withMaxTokens(12)
                                    .withSampling(0.8f, 0.9f, 5));
            assertThat(again.tokens()).containsExactly(r.tokens());
        }
    }

    @Test
    void cancellationStopsBetweenTokens() throws Exception {
        try (LlamaEngine engine =
                LlamaEngine.open(TestModels.write(dir, TestModels.LLAMA, GgmlType.F32), 1)) {
            CancellationToken cancel = new CancellationToken();
            List<Integer> seen = new ArrayList<>();
            GenerationResult r =
                    engine.generate(
                            GenerationRequest.ofPrompt("x")
                                    .withMaxTokens(40)
                                    .withSampling(1f, 1f, 3),
                            (token, text) -> {
                                seen.add(token);
                                if (seen.size() == 3) {
                                    cancel.cancel();
                                }
                            },
                            cancel);
            assertThat(r.stopReason())
                    .isIn(
                            GenerationResult.StopReason.CANCELLED,
                            GenerationResult.StopReason.STOP_TOKEN);
            assertThat(r.tokens().length).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void chatRequestUsesTheFamilyFormat() throws Exception {
        try (LlamaEngine engine =
                LlamaEngine.open(TestModels.write(dir, TestModels.QWEN2, GgmlType.Q4_0), 2)) {
            int imStart = engine.model().tokenizer().vocabulary().id("<|im_start|>");
            GenerationRequest chat =
                    GenerationRequest.ofChat(List.of(ChatMessage.user("hi"))).withMaxTokens(4);
            int[] prompt = engine.promptTokens(chat);
            assertThat(prompt).contains(imStart);
            GenerationResult r = engine.generate(chat);
            assertThat(r.tokens().length).isLessThanOrEqualTo(4);
            assertThat(engine.info().architecture()).isEqualTo("qwen2");
        }
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> out = new ArrayList<>();
        for (int v : a) {
            out.add(v);
        }
        return out;
    }
}
