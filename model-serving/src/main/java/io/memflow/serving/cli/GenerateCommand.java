package io.memflow.serving.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.ChatMessage;
import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.api.GenerationResult;
import io.memflow.serving.api.TokenListener;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.model.LlamaEngine;
import io.memflow.serving.model.LlamaModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code generate}: text generation from a GGUF model. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate text with a GGUF Llama-family model (pure Java engine).")
public final class GenerateCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "GGUF model file.")
    Path model;

    @Option(
            names = "--prompt",
            defaultValue = "",
            description = "Prompt text; empty starts from BOS (default: empty).")
    String prompt;

    @Option(
            names = "--steps",
            defaultValue = "256",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--temperature",
            defaultValue = "0",
            description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(
            names = "--top-p",
            defaultValue = "1",
            description = "Nucleus sampling mass, 1 disables (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed.")
    long seed;

    @Option(names = "--threads", description = "Matmul threads (default: available processors).")
    Integer threads;

    @Option(names = "--chat", description = "Wrap the prompt as a user turn in the chat format.")
    boolean chat;

    @Option(names = "--scalar", description = "Use the scalar reference kernels (slow).")
    boolean scalar;

    @Option(
            names = "--json",
            description =
                    "Print one JSON object: tokens, text, prefillTokensPerSecond,"
                            + " decodeTokensPerSecond.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (steps < 0 || temperature < 0 || topP <= 0 || topP > 1) {
            err.println("error: --steps and --temperature must be >= 0 and --top-p in (0, 1]");
            return 2;
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1) {
            err.println("error: --threads must be >= 1");
            return 2;
        }
        Kernels kernels = scalar ? Kernels.SCALAR : Kernels.preferred();
        try (LlamaEngine engine = new LlamaEngine(LlamaModel.load(model, nThreads, kernels))) {
            GenerationRequest request =
                    (chat
                                    ? GenerationRequest.ofChat(List.of(ChatMessage.user(prompt)))
                                    : GenerationRequest.ofPrompt(prompt))
                            .withMaxTokens(steps)
                            .withSampling(temperature, topP, seed);
            TokenListener listener =
                    json
                            ? TokenListener.NONE
                            : (token, text) -> {
                                out.print(text);
                                out.flush();
                            };
            GenerationResult result = engine.generate(request, listener, CancellationToken.none());
            if (json) {
                out.println(toJson(result));
            } else {
                out.println();
                err.printf(
                        "prefill %.1f tok/s (%d tokens), decode %.1f tok/s (%d tokens), %s%n",
                        result.prefillTokensPerSecond(),
                        result.promptTokens().length,
                        result.decodeTokensPerSecond(),
                        result.tokens().length,
                        result.stopReason());
            }
            out.flush();
            return 0;
        } catch (NoSuchFileException e) {
            err.println("error: model file not found: " + model + " (check --model)");
            return 2;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
    }

    static String toJson(GenerationResult r) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        ArrayNode tokens = node.putArray("tokens");
        for (int t : r.tokens()) {
            tokens.add(t);
        }
        node.put("text", r.text());
        node.put("prefillTokensPerSecond", r.prefillTokensPerSecond());
        node.put("decodeTokensPerSecond", r.decodeTokensPerSecond());
        node.put("promptTokenCount", r.promptTokens().length);
        node.put("stopReason", r.stopReason().name());
        return node.toString();
    }
}
