package io.memflow.operators.remote;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.ChatMessage;
import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.api.GenerationResult;
import io.memflow.serving.api.GenerationResult.StopReason;
import io.memflow.serving.api.InferenceEngine;
import io.memflow.serving.api.ModelInfo;
import io.memflow.serving.api.TokenListener;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * An {@link InferenceEngine} over the OpenAI chat-completions API of any compatible server, through
 * the official OpenAI Java client: time-outs, retries with exponential back-off on 408, 409, 429,
 * 5xx and lost connections (honouring {@code Retry-After}) are the client's, configured from {@link
 * RemoteSettings}. Generation is greedy (temperature 0) unless the request samples.
 *
 * <p>A remote server does not expose its tokenizer: {@link #encode} and {@link #decode} are not
 * supported, and a {@link GenerationResult}'s token arrays have the lengths the server reported in
 * {@code usage} (their ids are unknown and left 0). EpiCache needs the model's KV cache, so it
 * applies to the embedded engine only.
 */
public final class RemoteEngine implements InferenceEngine {
    private final RemoteSettings settings;
    private final OpenAIClient client;

    /** What one chat completion returned. */
    public record Reply(String text, long promptTokens, long completionTokens, String finish) {}

    private RemoteEngine(RemoteSettings settings, OpenAIClient client) {
        this.settings = settings;
        this.client = client;
    }

    /** A client for {@code settings}; reads the API key (file or environment) now. */
    public static RemoteEngine create(RemoteSettings settings) throws IOException {
        String key = settings.apiKey();
        OpenAIClient client =
                OpenAIOkHttpClient.builder()
                        .baseUrl(settings.endpoint())
                        // local servers take any key; the client insists on one
                        .apiKey(key == null ? "none" : key)
                        .timeout(settings.timeout())
                        .maxRetries(settings.retries())
                        .build();
        return new RemoteEngine(settings, client);
    }

    public RemoteSettings settings() {
        return settings;
    }

    /**
     * One chat completion, greedy.
     *
     * @param json asks for a JSON object ({@code response_format: json_object}); servers that
     *     cannot constrain their output ignore it, so callers still parse strictly
     * @throws com.openai.errors.OpenAIException when the server fails after the retries
     */
    public Reply chat(List<ChatMessage> messages, int maxTokens, boolean json) {
        ChatCompletionCreateParams.Builder p = params(messages, maxTokens, 0f, Optional.empty());
        if (json) {
            p.responseFormat(ResponseFormatJsonObject.builder().build());
        }
        ChatCompletion c = client.chat().completions().create(p.build());
        String text =
                c.choices().isEmpty() ? "" : c.choices().get(0).message().content().orElse("");
        String finish = c.choices().isEmpty() ? "" : c.choices().get(0).finishReason().asString();
        Optional<CompletionUsage> u = c.usage();
        return new Reply(
                text,
                u.map(CompletionUsage::promptTokens).orElse(0L),
                u.map(CompletionUsage::completionTokens).orElse(0L),
                finish);
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo(settings.model(), "remote:" + settings.endpoint(), 0, 0, 0);
    }

    @Override
    public int[] encode(String text) {
        throw new UnsupportedOperationException(
                "a remote engine (" + settings.endpoint() + ") does not expose its tokenizer");
    }

    @Override
    public String decode(int[] tokens) {
        throw new UnsupportedOperationException(
                "a remote engine (" + settings.endpoint() + ") does not expose its tokenizer");
    }

    /**
     * Runs one chat completion; a raw prompt is sent as one user message. With a listener other
     * than {@link TokenListener#NONE} the completion is streamed and each piece reported (token id
     * -1: ids are unknown remotely); cancellation closes the stream.
     */
    @Override
    public GenerationResult generate(
            GenerationRequest request, TokenListener listener, CancellationToken cancellation) {
        List<ChatMessage> messages =
                request.isChat() ? request.messages() : List.of(ChatMessage.user(request.prompt()));
        Optional<Long> seed =
                request.temperature() > 0 ? Optional.of(request.seed()) : Optional.empty();
        long start = System.nanoTime();
        if (listener == TokenListener.NONE) {
            ChatCompletionCreateParams.Builder p =
                    params(messages, request.maxTokens(), request.temperature(), seed);
            ChatCompletion c = client.chat().completions().create(p.build());
            String text =
                    c.choices().isEmpty() ? "" : c.choices().get(0).message().content().orElse("");
            String finish =
                    c.choices().isEmpty() ? "stop" : c.choices().get(0).finishReason().asString();
            return result(c.usage(), text, finish, System.nanoTime() - start);
        }
        ChatCompletionCreateParams p =
                params(messages, request.maxTokens(), request.temperature(), seed)
                        .streamOptions(
                                ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build();
        StringBuilder text = new StringBuilder();
        String finish = "stop";
        Optional<CompletionUsage> usage = Optional.empty();
        boolean cancelled = false;
        try (StreamResponse<ChatCompletionChunk> s =
                client.chat().completions().createStreaming(p)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                if (cancellation.isCancelled()) {
                    cancelled = true;
                    break;
                }
                if (chunk.usage().isPresent()) {
                    usage = chunk.usage();
                }
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    Optional<String> piece = ch.delta().content();
                    if (piece.isPresent() && !piece.get().isEmpty()) {
                        text.append(piece.get());
                        listener.onToken(-1, piece.get());
                    }
                    if (ch.finishReason().isPresent()) {
                        finish = ch.finishReason().get().asString();
                    }
                }
            }
        }
        return result(
                usage,
                text.toString(),
                cancelled ? "cancelled" : finish,
                System.nanoTime() - start);
    }

    private ChatCompletionCreateParams.Builder params(
            List<ChatMessage> messages, int maxTokens, float temperature, Optional<Long> seed) {
        ChatCompletionCreateParams.Builder p =
                ChatCompletionCreateParams.builder()
                        .model(settings.model())
                        .maxTokens(maxTokens)
                        .temperature(temperature);
        seed.ifPresent(p::seed);
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system" -> p.addSystemMessage(m.content());
                case "assistant" -> p.addAssistantMessage(m.content());
                default -> p.addUserMessage(m.content());
            }
        }
        return p;
    }

    private static GenerationResult result(
            Optional<CompletionUsage> usage, String text, String finish, long nanos) {
        int prompt = usage.map(u -> (int) u.promptTokens()).orElse(0);
        int completion = usage.map(u -> (int) u.completionTokens()).orElse(0);
        StopReason reason =
                switch (finish) {
                    case "length" -> StopReason.MAX_TOKENS;
                    case "cancelled" -> StopReason.CANCELLED;
                    default -> StopReason.STOP_TOKEN;
                };
        return new GenerationResult(
                new int[prompt], new int[completion], text, reason, 0, nanos, completion);
    }

    @Override
    public void close() {
        client.close();
    }
}
