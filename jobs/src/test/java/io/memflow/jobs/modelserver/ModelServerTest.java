package io.memflow.jobs.modelserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.models.Model;
import io.memflow.jobs.SharedData;
import io.memflow.operators.remote.RemoteEngine;
import io.memflow.operators.remote.RemoteSettings;
import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.ChatMessage;
import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.api.GenerationResult;
import io.memflow.serving.model.LlamaEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code serve-model} over real HTTP with stories260K: through the OpenAI Java client and through
 * the JDK's plain HTTP client (what curl sends): models, chat and text completions, streaming, and
 * OpenAI-shaped errors.
 */
class ModelServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger OBSERVED = new AtomicInteger();
    private static LlamaEngine engine;
    private static ModelServer server;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        engine = LlamaEngine.open(SharedData.storiesModel(), 1);
        server =
                new ModelServer(
                                engine,
                                ModelServer.modelId(SharedData.storiesModel()),
                                b -> OBSERVED.incrementAndGet())
                        .start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    @Test
    void openAiClientListsChatsAndStreams() {
        OpenAIClient client =
                OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("unused").build();
        try {
            List<Model> models = client.models().list().data();
            assertThat(models).extracting(Model::id).containsExactly("stories260K");

            ChatCompletionCreateParams params =
                    ChatCompletionCreateParams.builder()
                            .model("stories260K")
                            .addUserMessage("Once upon a time, Lily")
                            .maxCompletionTokens(24)
                            .temperature(0.0)
                            .build();
            ChatCompletion done = client.chat().completions().create(params);
            String text = done.choices().get(0).message().content().orElse("");
            assertThat(text).isNotBlank();
            assertThat(done.usage().orElseThrow().completionTokens()).isBetween(1L, 24L);
            assertThat(done.usage().orElseThrow().promptTokens()).isPositive();

            StringBuilder streamed = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> s =
                    client.chat().completions().createStreaming(params)) {
                s.stream()
                        .forEach(
                                c ->
                                        c.choices()
                                                .forEach(
                                                        ch ->
                                                                ch.delta()
                                                                        .content()
                                                                        .ifPresent(
                                                                                streamed::append)));
            }
            assertThat(streamed.toString()).as("greedy: streamed = whole").isEqualTo(text);

            assertThatThrownBy(
                            () ->
                                    client.chat()
                                            .completions()
                                            .create(params.toBuilder().model("gpt-9").build()))
                    .isInstanceOf(NotFoundException.class);
            assertThatThrownBy(
                            () ->
                                    client.chat()
                                            .completions()
                                            .create(
                                                    params.toBuilder()
                                                            .maxCompletionTokens(100_000)
                                                            .build()))
                    .isInstanceOfSatisfying(
                            BadRequestException.class,
                            e -> assertThat(e.code()).contains("context_length_exceeded"));
        } finally {
            client.close();
        }
    }

    @Test
    void remoteEngineGeneratesStreamedOrNotWithTheServersUsage() throws Exception {
        RemoteSettings settings =
                new RemoteSettings(
                        base + "/v1", "stories260K", null, null, Duration.ofSeconds(30), 1, 0, 16);
        try (RemoteEngine remote = RemoteEngine.create(settings)) {
            GenerationRequest request =
                    GenerationRequest.ofChat(List.of(ChatMessage.user("Lily saw a cat.")))
                            .withMaxTokens(16);
            GenerationResult whole = remote.generate(request);
            StringBuilder pieces = new StringBuilder();
            GenerationResult streamed =
                    remote.generate(
                            request,
                            (token, piece) -> pieces.append(piece),
                            CancellationToken.none());
            assertThat(whole.text()).isNotBlank();
            assertThat(streamed.text()).isEqualTo(whole.text());
            assertThat(pieces.toString()).isEqualTo(whole.text());
            assertThat(streamed.tokens()).hasSameSizeAs(whole.tokens());
            assertThat(whole.promptTokens().length).isPositive();
            RemoteEngine.Reply reply = remote.chat(request.messages(), 16, true);
            assertThat(reply.text()).isEqualTo(whole.text());
            assertThat(reply.completionTokens()).isEqualTo(whole.tokens().length);
        }
    }

    @Test
    void plainHttpModelsChatCompletionsAndStreaming() throws Exception {
        HttpResponse<String> models = get("/v1/models");
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(models.body()).at("/data/0/id").asText()).isEqualTo("stories260K");

        int before = OBSERVED.get();
        HttpResponse<String> chat =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":"
                                + "\"Tom had a red ball.\"}],\"max_tokens\":16,\"temperature\":0}");
        assertThat(chat.statusCode()).isEqualTo(200);
        JsonNode c = JSON.readTree(chat.body());
        assertThat(c.path("object").asText()).isEqualTo("chat.completion");
        assertThat(c.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        String whole = c.at("/choices/0/message/content").asText();
        assertThat(whole).isNotBlank();
        assertThat(c.at("/choices/0/finish_reason").asText()).isIn("stop", "length");
        assertThat(OBSERVED.get()).as("observer saw the call").isEqualTo(before + 1);

        HttpResponse<String> stream =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":"
                                + "\"Tom had a red ball.\"}],\"max_tokens\":16,\"temperature\":0,"
                                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type").orElse(""))
                .startsWith("text/event-stream");
        List<String> events = events(stream.body());
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode n = JSON.readTree(e);
            assertThat(n.path("object").asText()).isEqualTo("chat.completion.chunk");
            text.append(n.at("/choices/0/delta/content").asText(""));
            if (n.at("/choices/0/finish_reason").isTextual()) {
                finish = n.at("/choices/0/finish_reason").asText();
            }
            if (n.hasNonNull("usage")) {
                usage = n.get("usage");
            }
        }
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(finish).isIn("stop", "length");
        assertThat(usage).isNotNull();
        assertThat(usage.path("completion_tokens").asInt()).isBetween(1, 16);

        HttpResponse<String> plain =
                post(
                        "/v1/completions",
                        "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\","
                                + "\"max_tokens\":12,\"temperature\":0}");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(plain.body()).at("/choices/0/text").asText()).isNotBlank();
        HttpResponse<String> plainStream =
                post(
                        "/v1/completions",
                        "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\","
                                + "\"max_tokens\":12,\"temperature\":0,\"stream\":true}");
        StringBuilder t = new StringBuilder();
        List<String> pe = events(plainStream.body());
        assertThat(pe.get(pe.size() - 1)).isEqualTo("[DONE]");
        for (String e : pe.subList(0, pe.size() - 1)) {
            t.append(JSON.readTree(e).at("/choices/0/text").asText(""));
        }
        assertThat(t.toString())
                .isEqualTo(JSON.readTree(plain.body()).at("/choices/0/text").asText());
    }

    @Test
    void stopSequenceCutsTheAnswerStreamedOrNot() throws Exception {
        String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":40,\"temperature\":0%s}";
        String free =
                JSON.readTree(post("/v1/completions", String.format(body, "")).body())
                        .at("/choices/0/text")
                        .asText();
        assertThat(free.length()).isGreaterThan(6);
        String stop = free.substring(4, 6);
        String cut = free.substring(0, free.indexOf(stop));
        JsonNode once =
                JSON.readTree(
                        post(
                                        "/v1/completions",
                                        String.format(
                                                body, ",\"stop\":" + JSON.writeValueAsString(stop)))
                                .body());
        assertThat(once.at("/choices/0/text").asText()).isEqualTo(cut);
        assertThat(once.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        List<String> ev =
                events(
                        post(
                                        "/v1/completions",
                                        String.format(
                                                body,
                                                ",\"stream\":true,\"stop\":"
                                                        + JSON.writeValueAsString(stop)))
                                .body());
        StringBuilder t = new StringBuilder();
        for (String e : ev.subList(0, ev.size() - 1)) {
            t.append(JSON.readTree(e).at("/choices/0/text").asText(""));
        }
        assertThat(t.toString()).isEqualTo(cut);
    }

    @Test
    void errorsAreOpenAiShapedWithTheirStatus() throws Exception {
        int before = OBSERVED.get();
        assertError(post("/v1/chat/completions", "{\"model\":"), 400, "invalid_json");
        assertError(
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                404,
                "model_not_found");
        assertError(
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":"
                                + "\"hi\"}],\"max_tokens\":100000}"),
                400,
                "context_length_exceeded");
        int context = JSON.readTree(get("/v1/models").body()).at("/data/0/context_length").asInt();
        assertThat(context).isPositive();
        assertError(
                post("/v1/completions", "{\"prompt\":\"" + " dog".repeat(context + 1) + "\"}"),
                400,
                "context_length_exceeded");
        HttpResponse<String> huge =
                post(
                        "/v1/completions",
                        "{\"prompt\":\"" + "Once upon a time. ".repeat(20_000) + "\"}");
        assertError(huge, 400, "context_length_exceeded");
        assertThat(JSON.readTree(huge.body()).at("/error/message").asText())
                .as("refused by its length in characters, before tokenizing")
                .contains("at least");
        assertError(
                post("/v1/chat/completions", "{\"model\":\"stories260K\",\"messages\":[]}"),
                400,
                "invalid_value");
        assertError(get("/v1/nothing"), 404, "not_found");
        assertThat(OBSERVED.get())
                .as("every JSON-object request is seen, bad JSON and unknown routes are not")
                .isEqualTo(before + 5);
    }

    @Test
    void serveModelWithoutAModelFileIsOneLineAndExitCode2() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = io.memflow.jobs.cli.MemflowCli.commandLine();
        cli.setErr(new java.io.PrintWriter(err));
        int code = cli.execute("serve-model", "--model", "/no/such/model.gguf");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo(
                        "memflow serve-model: --model /no/such/model.gguf is not a file; pass a"
                                + " GGUF model");
    }

    private static void assertError(HttpResponse<String> r, int status, String code)
            throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = JSON.readTree(r.body()).path("error");
        assertThat(e.path("code").asText()).isEqualTo(code);
        assertThat(e.path("message").asText()).isNotBlank();
        assertThat(e.path("type").asText()).isNotBlank();
    }

    private static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                out.add(line.substring("data: ".length()));
            }
        }
        return out;
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
