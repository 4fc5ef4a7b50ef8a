package io.memflow.jobs.modelserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.ChatMessage;
import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.api.GenerationResult;
import io.memflow.serving.model.LlamaEngine;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded engine behind an OpenAI-compatible HTTP API: {@code GET /v1/models}, {@code POST
 * /v1/chat/completions} and {@code POST /v1/completions}, each with server-sent-event streaming
 * ({@code "stream": true}). Chat messages are rendered in the GGUF family's chat format by the
 * engine itself; every token comes out of the engine's one decode loop.
 *
 * <p>One generation runs at a time (the model's forward pass is one sequence at a time); other
 * requests wait their turn. Errors are OpenAI-shaped: {@code {"error":{"message","type","param",
 * "code"}}} with status 400 (bad JSON, bad parameter, prompt plus {@code max_tokens} past the
 * context: {@code context_length_exceeded}), 404 (unknown model or route) or 500.
 */
public final class ModelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LlamaEngine engine;
    private final String modelId;
    private final long created = System.currentTimeMillis() / 1000;
    private final ReentrantLock generation = new ReentrantLock(true);
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong completions = new AtomicLong();
    private final Consumer<JsonNode> observer;

    /** Characters of the longest vocabulary entry: a prompt has at least chars / this tokens. */
    private final int longestToken;

    private Javalin app;

    /**
     * @param observer sees the body of every completion request that is a JSON object, before it is
     *     checked further or runs (tests count calls on the server side with it)
     */
    public ModelServer(LlamaEngine engine, String modelId, Consumer<JsonNode> observer) {
        this.engine = engine;
        this.modelId = modelId;
        this.observer = observer;
        var vocabulary = engine.model().tokenizer().vocabulary();
        int longest = 1;
        for (int i = 0; i < vocabulary.size(); i++) {
            String t = vocabulary.token(i);
            longest = Math.max(longest, t == null ? 0 : t.length());
        }
        this.longestToken = longest;
    }

    /** The model id of a GGUF file: its name without {@code .gguf}. */
    public static String modelId(java.nio.file.Path gguf) {
        String name = gguf.getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    public String modelId() {
        return modelId;
    }

    /** Completion requests answered (chat and plain, streamed or not), errors excluded. */
    public long completions() {
        return completions.get();
    }

    public ModelServer start(String host, int port) {
        app =
                Javalin.create(
                        c -> {
                            c.showJavalinBanner = false;
                            c.http.maxRequestSize = 16_000_000L;
                        });
        app.exception(
                OpenAiError.class,
                (e, ctx) -> error(ctx, e.status, e.type, e.code, e.getMessage()));
        app.exception(
                JsonProcessingException.class,
                (e, ctx) ->
                        error(
                                ctx,
                                400,
                                "invalid_request_error",
                                "invalid_json",
                                "the body is not valid JSON: " + e.getOriginalMessage()));
        app.exception(
                Exception.class,
                (e, ctx) -> {
                    LOG.warn("model server: {} {} failed", ctx.method(), ctx.path(), e);
                    error(ctx, 500, "server_error", "internal_error", e.toString());
                });
        app.error(
                404,
                ctx -> {
                    // Javalin's own "not found" text is replaced; an OpenAI error already set stays
                    if (ctx.result() == null || !ctx.result().startsWith("{")) {
                        error(
                                ctx,
                                404,
                                "invalid_request_error",
                                "not_found",
                                "no route " + ctx.method() + " " + ctx.path());
                    }
                });
        app.get("/health", ctx -> ctx.result("ok"));
        app.get("/v1/models", this::models);
        app.get("/v1/models/{id}", this::model);
        app.post("/v1/chat/completions", ctx -> complete(ctx, true));
        app.post("/v1/completions", ctx -> complete(ctx, false));
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
    }

    private void models(Context ctx) {
        ObjectNode list = JSON.createObjectNode().put("object", "list");
        list.putArray("data").add(modelObject());
        json(ctx, 200, list);
    }

    private void model(Context ctx) {
        if (!modelId.equals(ctx.pathParam("id"))) {
            throw unknownModel(ctx.pathParam("id"));
        }
        json(ctx, 200, modelObject());
    }

    private ObjectNode modelObject() {
        return JSON.createObjectNode()
                .put("id", modelId)
                .put("object", "model")
                .put("created", created)
                .put("owned_by", "memflow")
                .put("context_length", engine.info().contextLength());
    }

    private OpenAiError unknownModel(String name) {
        return new OpenAiError(
                404,
                "invalid_request_error",
                "model_not_found",
                "The model '" + name + "' does not exist; this server serves '" + modelId + "'");
    }

    private void complete(Context ctx, boolean chat) throws IOException {
        JsonNode body = JSON.readTree(ctx.body());
        if (body == null || !body.isObject()) {
            throw OpenAiError.invalid("invalid_json", "the body must be a JSON object");
        }
        observer.accept(body);
        CompletionCall call = CompletionCall.parse(body, chat);
        if (call.model() != null && !call.model().equals(modelId)) {
            throw unknownModel(call.model());
        }
        GenerationRequest request = call.toRequest(engine.info().contextLength());
        int context = engine.info().contextLength();
        // a prompt far past the context is refused before tokenizing it, which takes long
        int atLeast = call.chars() / longestToken;
        if (atLeast > context) {
            throw OpenAiError.invalid(
                    "context_length_exceeded",
                    "This model's maximum context length is "
                            + context
                            + " tokens. However, your messages resulted in at least "
                            + atLeast
                            + " tokens. Please reduce the length of the messages.");
        }
        int prompt = engine.promptTokens(request).length;
        int maxTokens = call.maxTokens() == null ? Math.max(0, context - prompt) : call.maxTokens();
        if (prompt + maxTokens > context || prompt > context) {
            throw OpenAiError.invalid(
                    "context_length_exceeded",
                    "This model's maximum context length is "
                            + context
                            + " tokens. However, you requested "
                            + (prompt + maxTokens)
                            + " tokens ("
                            + prompt
                            + " in the messages, "
                            + maxTokens
                            + " in the completion). Please reduce the length of the messages or"
                            + " completion.");
        }
        request = request.withMaxTokens(maxTokens);
        String id = (chat ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
        if (call.stream()) {
            stream(ctx, chat, call, request, id);
        } else {
            once(ctx, chat, call, request, id);
        }
        completions.incrementAndGet();
    }

    private void once(
            Context ctx, boolean chat, CompletionCall call, GenerationRequest request, String id) {
        StopText text = new StopText(call.stops());
        CancellationToken cancel = new CancellationToken();
        GenerationResult r = generate(request, text, cancel, piece -> {});
        ObjectNode out = envelope(id, chat, false);
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        if (chat) {
            choice.putObject("message").put("role", "assistant").put("content", text.full());
        } else {
            choice.put("text", text.full());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(r, text));
        out.set("usage", usage(r));
        json(ctx, 200, out);
    }

    private void stream(
            Context ctx, boolean chat, CompletionCall call, GenerationRequest request, String id)
            throws IOException {
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        StopText text = new StopText(call.stops());
        CancellationToken cancel = new CancellationToken();
        if (chat) {
            ObjectNode first = chunk(id, chat);
            ((ObjectNode) first.get("choices").get(0))
                    .putObject("delta")
                    .put("role", "assistant")
                    .put("content", "");
            event(out, first, cancel);
        }
        GenerationResult r =
                generate(
                        request, text, cancel, piece -> event(out, delta(id, chat, piece), cancel));
        String rest = text.releaseRest();
        if (!rest.isEmpty()) {
            event(out, delta(id, chat, rest), cancel);
        }
        ObjectNode last = chunk(id, chat);
        ObjectNode choice = (ObjectNode) last.get("choices").get(0);
        if (chat) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.put("finish_reason", finishReason(r, text));
        event(out, last, cancel);
        if (call.includeUsage()) {
            ObjectNode usage = envelope(id, chat, true);
            usage.putArray("choices");
            usage.set("usage", usage(r));
            event(out, usage, cancel);
        }
        write(out, "data: [DONE]\n\n", cancel);
    }

    /** Runs one generation, feeding released text to {@code onText}; a stop sequence cancels it. */
    private GenerationResult generate(
            GenerationRequest request,
            StopText text,
            CancellationToken cancel,
            Consumer<String> onText) {
        generation.lock();
        try {
            return engine.generate(
                    request,
                    (token, piece) -> {
                        if (text.append(piece)) {
                            cancel.cancel();
                        }
                        String ready = text.release();
                        if (!ready.isEmpty()) {
                            onText.accept(ready);
                        }
                    },
                    cancel);
        } finally {
            generation.unlock();
        }
    }

    private static String finishReason(GenerationResult r, StopText text) {
        if (text.stopped()) {
            return "stop";
        }
        switch (r.stopReason()) {
            case MAX_TOKENS:
            case CONTEXT_FULL:
                return "length";
            default:
                return "stop";
        }
    }

    private ObjectNode envelope(String id, boolean chat, boolean chunk) {
        String object =
                chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
        return JSON.createObjectNode()
                .put("id", id)
                .put("object", object)
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", modelId);
    }

    private ObjectNode chunk(String id, boolean chat) {
        ObjectNode c = envelope(id, chat, true);
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.putNull("finish_reason");
        return c;
    }

    private ObjectNode delta(String id, boolean chat, String piece) {
        ObjectNode c = chunk(id, chat);
        ObjectNode choice = (ObjectNode) c.get("choices").get(0);
        if (chat) {
            choice.putObject("delta").put("content", piece);
        } else {
            choice.put("text", piece);
        }
        return c;
    }

    private static ObjectNode usage(GenerationResult r) {
        int prompt = r.promptTokens().length;
        int completion = r.tokens().length;
        return JSON.createObjectNode()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /** Sends one event; a client that went away cancels the generation. */
    private static void event(OutputStream out, ObjectNode data, CancellationToken cancel) {
        write(out, "data: " + data + "\n\n", cancel);
    }

    private static void write(OutputStream out, String s, CancellationToken cancel) {
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            cancel.cancel();
        }
    }

    private static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private static void error(Context ctx, int status, String type, String code, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.putObject("error")
                .put("message", message)
                .put("type", type)
                .putNull("param")
                .put("code", code);
        json(ctx, status, e);
    }

    /** The parts of a completion request the engine uses. */
    record CompletionCall(
            String model,
            List<ChatMessage> messages,
            String prompt,
            Integer maxTokens,
            float temperature,
            float topP,
            long seed,
            boolean stream,
            boolean includeUsage,
            List<String> stops) {

        static CompletionCall parse(JsonNode b, boolean chat) {
            String model = b.hasNonNull("model") ? text(b, "model") : null;
            List<ChatMessage> messages = new ArrayList<>();
            String prompt = null;
            if (chat) {
                JsonNode ms = b.get("messages");
                if (ms == null || !ms.isArray() || ms.isEmpty()) {
                    throw OpenAiError.invalid(
                            "invalid_value", "'messages' must be a non-empty array");
                }
                for (JsonNode m : ms) {
                    messages.add(new ChatMessage(role(m), content(m)));
                }
            } else {
                prompt = prompt(b.get("prompt"));
            }
            Integer max = null;
            for (String k : new String[] {"max_completion_tokens", "max_tokens"}) {
                if (b.hasNonNull(k)) {
                    if (!b.get(k).canConvertToInt() || b.get(k).asInt() < 0) {
                        throw OpenAiError.invalid(
                                "invalid_value", "'" + k + "' must be a non-negative integer");
                    }
                    max = b.get(k).asInt();
                }
            }
            if (b.hasNonNull("n") && b.get("n").asInt() != 1) {
                throw OpenAiError.invalid("invalid_value", "only n = 1 is supported");
            }
            float temperature = number(b, "temperature", 1f, 0f, 2f);
            float topP = number(b, "top_p", 1f, 0f, 1f);
            long seed = b.hasNonNull("seed") ? b.get("seed").asLong() : System.nanoTime();
            boolean stream = b.path("stream").asBoolean(false);
            boolean usage = b.path("stream_options").path("include_usage").asBoolean(false);
            return new CompletionCall(
                    model,
                    messages,
                    prompt,
                    max,
                    temperature,
                    topP == 0f ? 1f : topP,
                    seed,
                    stream,
                    usage,
                    stops(b.get("stop")));
        }

        /** Characters of the prompt or of all messages. */
        int chars() {
            int n = prompt == null ? 0 : prompt.length();
            for (ChatMessage m : messages) {
                n += m.content().length();
            }
            return n;
        }

        GenerationRequest toRequest(int context) {
            return new GenerationRequest(prompt, chatOrNull(), context, temperature, topP, seed);
        }

        private List<ChatMessage> chatOrNull() {
            return messages.isEmpty() ? null : messages;
        }

        private static String text(JsonNode b, String field) {
            if (!b.get(field).isTextual()) {
                throw OpenAiError.invalid("invalid_type", "'" + field + "' must be a string");
            }
            return b.get(field).asText();
        }

        private static String role(JsonNode m) {
            String role = m.path("role").asText("");
            switch (role) {
                case "system":
                case "developer":
                    return "system";
                case "user":
                case "assistant":
                    return role;
                default:
                    throw OpenAiError.invalid(
                            "invalid_value",
                            "message role '"
                                    + role
                                    + "' is not one of system, developer, user, assistant");
            }
        }

        /** A message's text: a string, or the text parts of a content array. */
        private static String content(JsonNode m) {
            JsonNode c = m.get("content");
            if (c == null || c.isNull()) {
                return "";
            }
            if (c.isTextual()) {
                return c.asText();
            }
            if (c.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : c) {
                    if (!"text".equals(part.path("type").asText())) {
                        throw OpenAiError.invalid(
                                "invalid_value", "only text content parts are supported");
                    }
                    sb.append(part.path("text").asText());
                }
                return sb.toString();
            }
            throw OpenAiError.invalid("invalid_type", "message content must be a string or array");
        }

        private static String prompt(JsonNode p) {
            if (p != null && p.isTextual()) {
                return p.asText();
            }
            if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                return p.get(0).asText();
            }
            throw OpenAiError.invalid(
                    "invalid_value", "'prompt' must be a string (or an array of one string)");
        }

        private static float number(JsonNode b, String field, float dflt, float min, float max) {
            if (!b.hasNonNull(field)) {
                return dflt;
            }
            if (!b.get(field).isNumber()
                    || b.get(field).floatValue() < min
                    || b.get(field).floatValue() > max) {
                throw OpenAiError.invalid(
                        "invalid_value",
                        "'" + field + "' must be a number from " + min + " to " + max);
            }
            return b.get(field).floatValue();
        }

        private static List<String> stops(JsonNode s) {
            List<String> out = new ArrayList<>();
            if (s == null || s.isNull()) {
                return out;
            }
            if (s.isTextual()) {
                out.add(s.asText());
            } else if (s.isArray()) {
                for (JsonNode x : (ArrayNode) s) {
                    out.add(x.asText());
                }
            } else {
                throw OpenAiError.invalid("invalid_type", "'stop' must be a string or array");
            }
            out.removeIf(String::isEmpty);
            return out;
        }
    }
}
