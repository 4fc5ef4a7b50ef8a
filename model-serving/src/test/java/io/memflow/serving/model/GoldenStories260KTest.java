package io.memflow.serving.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.api.GenerationResult;
import io.memflow.serving.cli.ServingCli;
import io.memflow.serving.kernels.Kernels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/**
 * Golden test (llama2.c's test_all.py): greedy generation from BOS with stories260K reproduces the
 * 256 stored token ids exactly, on both kernel paths and through {@code generate --json}.
 */
class GoldenStories260KTest {

    @ParameterizedTest
    @EnumSource(Kernels.class)
    void greedyFromBosReproducesExpectedTokens(Kernels kernels) throws Exception {
        JsonNode expected = expected();
        try (LlamaEngine engine =
                new LlamaEngine(LlamaModel.load(TestModels.stories260K(), 2, kernels))) {
            GenerationResult r =
                    engine.generate(
                            GenerationRequest.ofPrompt("")
                                    .withMaxTokens(expected.get("steps").asInt()));
            assertThat(r.promptTokens()).containsExactly(expected.get("start_token").asInt());
            assertThat(r.tokens()).containsExactly(ids(expected.get("generated_token_ids")));
            assertThat(r.text()).isEqualTo(expected.get("text").asText());
        }
    }

    @Test
    void generateCommandJson() throws Exception {
        JsonNode expected = expected();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                new CommandLine(new ServingCli())
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(
                                "generate",
                                "--model",
                                TestModels.stories260K().toString(),
                                "--steps",
                                "256",
                                "--temperature",
                                "0",
                                "--json");
        assertThat(code).as(err.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(ids(json.get("tokens")))
                .containsExactly(ids(expected.get("generated_token_ids")));
        assertThat(json.get("text").asText()).isEqualTo(expected.get("text").asText());
        assertThat(json.get("prefillTokensPerSecond").asDouble()).isPositive();
        assertThat(json.get("decodeTokensPerSecond").asDouble()).isPositive();
    }

    private static JsonNode expected() throws Exception {
        Path file = TestModels.sharedDir().resolve("data/models/stories260K.greedy.expected.json");
        assertThat(file).as("golden expectations missing").exists();
        return new ObjectMapper().readTree(file.toFile());
    }

    private static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
