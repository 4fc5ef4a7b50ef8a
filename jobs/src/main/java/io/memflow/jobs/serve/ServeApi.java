package io.memflow.jobs.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.ingest.InputDecoder;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.internal.RawEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * memflow's synchronous API over the {@link MemoryView}: Mem0-shaped JSON (snake_case). Reads are
 * answered from the view with the job's own {@link Retriever}; writes become turns and control
 * commands on Kafka, validated by the job's own {@link InputDecoder} first, so a request the job
 * would dead-letter is refused here with the same reason.
 */
public final class ServeApi {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Which tenant a request may act for. */
    public interface Tenancy {
        /** The caller's tenant, or null when the request is not authorised. */
        String tenantOf(String authorizationHeader);

        boolean required();
    }

    private final MemoryView view;
    private final ChangelogFollower follower;
    private final Retriever retriever;
    private final TopicIo io;
    private final InputDecoder decoder;
    private final InputDecoder.Topics topics;
    private final Tenancy tenancy;
    private final int defaultK;
    private final LongAdder requests = new LongAdder();
    private final LongAdder searches = new LongAdder();
    private final AtomicLong searchNanos = new AtomicLong();

    public ServeApi(
            MemoryView view,
            ChangelogFollower follower,
            Retriever retriever,
            TopicIo io,
            InputDecoder decoder,
            InputDecoder.Topics topics,
            Tenancy tenancy,
            int defaultK) {
        this.view = view;
        this.follower = follower;
        this.retriever = retriever;
        this.io = io;
        this.decoder = decoder;
        this.topics = topics;
        this.tenancy = tenancy;
        this.defaultK = defaultK;
    }

    /** An error the client can act on: HTTP status, code and message. */
    static final class ApiError extends RuntimeException {
        final int status;
        final String code;

        ApiError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    public Javalin start(String host, int port) {
        Javalin app =
                Javalin.create(
                        c -> {
                            c.showJavalinBanner = false;
                            c.http.maxRequestSize = 1_000_000L;
                        });
        app.before(ctx -> requests.increment());
        app.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.code, e.getMessage()));
        app.exception(
                com.fasterxml.jackson.core.JsonProcessingException.class,
                (e, ctx) ->
                        error(
                                ctx,
                                400,
                                "bad_json",
                                "the body is not valid JSON: " + e.getOriginalMessage()));
        app.exception(
                Exception.class,
                (e, ctx) ->
                        error(
                                ctx,
                                500,
                                "internal",
                                e.getClass().getSimpleName() + ": " + e.getMessage()));
        app.error(
                404,
                ctx -> {
                    if (ctx.result() == null) {
                        error(ctx, 404, "not_found", "no route " + ctx.method() + " " + ctx.path());
                    }
                });
        app.error(413, ctx -> error(ctx, 413, "too_large", "the body is larger than 1 MB"));
        app.get("/health", this::health);
        app.get("/metrics", this::metrics);
        app.get("/openapi.json", this::openapi);
        app.post("/v1/memories", this::add);
        app.post("/v1/memories/search", this::search);
        app.get("/v1/memories", this::list);
        app.get("/v1/memories/{id}", this::get);
        app.get("/v1/memories/{id}/history", this::history);
        app.delete("/v1/memories/{id}", this::deleteOne);
        app.delete("/v1/memories", this::deleteUser);
        return app.start(host, port);
    }

    private static void error(Context ctx, int status, String code, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.putObject("error").put("code", code).put("message", message);
        ctx.status(status).contentType("application/json").result(e.toString());
    }

    private String tenant(Context ctx) {
        String t = tenancy.tenantOf(ctx.header("Authorization"));
        if (t == null) {
            throw new ApiError(
                    401,
                    "unauthorized",
                    "send Authorization: Bearer <key> with a key from the --api-keys file");
        }
        return t;
    }

    private static JsonNode body(Context ctx) throws IOException {
        JsonNode n = JSON.readTree(ctx.body());
        if (n == null || !n.isObject()) {
            throw new ApiError(400, "bad_json", "the body must be a JSON object");
        }
        return n;
    }

    private static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new ApiError(400, "invalid", field + " is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new ApiError(400, "invalid", field + " must be a string");
        }
        return v.asText();
    }

    private static Instant time(JsonNode n, String field) {
        String t = text(n, field, false);
        if (t == null) {
            return Instant.now();
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            throw new ApiError(
                    400,
                    "invalid",
                    field + " must be an ISO-8601 instant such as 2024-04-10T00:00:00Z");
        }
    }

    /** Runs the job's own validation on a record bound for {@code topic}. */
    private void validate(String topic, org.apache.avro.specific.SpecificRecordBase r) {
        InputDecoder.Result res =
                decoder.decode(
                        RawEvent.newBuilder()
                                .setTopic(topic)
                                .setPartition(0)
                                .setOffset(0)
                                .setTimestamp(System.currentTimeMillis())
                                .setValue(ByteBuffer.wrap(WireFormat.encode(r)))
                                .build(),
                        System.currentTimeMillis());
        if (res.deadLetter() != null) {
            throw new ApiError(400, "invalid", res.deadLetter().getReason().toString());
        }
    }

    private void health(Context ctx) {
        boolean ready = follower.ready();
        ObjectNode o = JSON.createObjectNode();
        o.put("status", ready ? "ready" : "catching_up");
        o.put("memories", view.memories());
        o.put("changelog_lag", follower.lag());
        ctx.status(ready ? 200 : 503).json(o);
    }

    private void metrics(Context ctx) {
        long n = searches.sum();
        String body =
                "# TYPE memflow_serve_requests_total counter\n"
                        + "memflow_serve_requests_total "
                        + requests.sum()
                        + "\n# TYPE memflow_serve_search_seconds summary\n"
                        + "memflow_serve_search_seconds_count "
                        + n
                        + "\nmemflow_serve_search_seconds_sum "
                        + searchNanos.get() / 1e9
                        + "\n# TYPE memflow_serve_view_memories gauge\n"
                        + "memflow_serve_view_memories "
                        + view.memories()
                        + "\n# TYPE memflow_serve_view_users gauge\n"
                        + "memflow_serve_view_users "
                        + view.users()
                        + "\n# TYPE memflow_serve_changelog_lag gauge\n"
                        + "memflow_serve_changelog_lag "
                        + follower.lag()
                        + "\n";
        ctx.contentType("text/plain; version=0.0.4").result(body);
    }

    private void openapi(Context ctx) throws IOException {
        try (InputStream in = ServeApi.class.getResourceAsStream("/serve/openapi.json")) {
            ctx.contentType("application/json")
                    .result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void add(Context ctx) throws IOException {
        String tenant = tenant(ctx);
        JsonNode b = body(ctx);
        String user = text(b, "user_id", true);
        String session = text(b, "session_id", false);
        if (session == null) {
            session = "serve-" + UUID.randomUUID();
        }
        JsonNode messages = b.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new ApiError(400, "invalid", "messages must be a non-empty array");
        }
        ArrayNode ids = JSON.createArrayNode();
        List<ConversationTurn> turns = new java.util.ArrayList<>();
        int i = 0;
        for (JsonNode m : messages) {
            i++;
            if (!m.isObject()) {
                throw new ApiError(400, "invalid", "messages[" + i + "] must be an object");
            }
            String role = text(m, "role", true);
            String content = text(m, "content", true);
            String name = text(m, "name", false);
            String turnId = session + ":" + UUID.randomUUID();
            ConversationTurn t =
                    ConversationTurn.newBuilder()
                            .setEventId(turnId)
                            .setTenantId(tenant)
                            .setUserId(user)
                            .setSessionId(session)
                            .setTurnId(turnId)
                            .setSpeaker(name != null ? name : role)
                            .setRole(role)
                            .setText(content)
                            .setEventTime(time(m, "created_at"))
                            .build();
            try {
                validate(topics.turns(), t);
            } catch (ApiError e) {
                throw new ApiError(400, "invalid", "messages[" + i + "]: " + e.getMessage());
            }
            turns.add(t);
            ids.addObject().put("id", turnId).put("event", "ADD_TURN");
        }
        for (ConversationTurn t : turns) {
            io.sendAsync(topics.turns(), t);
        }
        if ("true".equals(ctx.queryParam("consolidate"))) {
            // stamped with the newest message's time, not the wall clock: the command follows the
            // turns it flushes in the user's event time, also when they are dated in the past
            Instant newest = Instant.EPOCH;
            for (ConversationTurn t : turns) {
                newest = t.getEventTime().isAfter(newest) ? t.getEventTime() : newest;
            }
            io.sendAsync(
                    topics.control(),
                    control(tenant, user, ControlType.CONSOLIDATE_NOW, null, newest.plusMillis(1)));
        }
        io.flush();
        ObjectNode o = JSON.createObjectNode();
        o.set("results", ids);
        ctx.status(HttpStatus.ACCEPTED).json(o);
    }

    private ControlCommand control(String tenant, String user, ControlType type, String memoryId) {
        return control(tenant, user, type, memoryId, Instant.now());
    }

    private ControlCommand control(
            String tenant, String user, ControlType type, String memoryId, Instant at) {
        ControlCommand c =
                ControlCommand.newBuilder()
                        .setCommandId("serve-" + UUID.randomUUID())
                        .setTenantId(tenant)
                        .setUserId(user)
                        .setType(type)
                        .setIssuedAt(at)
                        .setMemoryId(memoryId)
                        .build();
        validate(topics.control(), c);
        return c;
    }

    private void search(Context ctx) throws IOException {
        String tenant = tenant(ctx);
        JsonNode b = body(ctx);
        String user = text(b, "user_id", true);
        String query = text(b, "query", true);
        JsonNode kNode = b.get("k");
        if (kNode != null && !kNode.isNull() && !kNode.isInt()) {
            throw new ApiError(400, "invalid", "k must be an integer");
        }
        Integer k = kNode == null || kNode.isNull() ? null : kNode.asInt();
        Instant at = time(b, "query_time");
        MemoryQuery q =
                MemoryQuery.newBuilder()
                        .setQueryId("serve")
                        .setTenantId(tenant)
                        .setUserId(user)
                        .setText(query)
                        .setQueryTime(at)
                        .setK(k)
                        .build();
        validate(topics.queries(), q);
        long start = System.nanoTime();
        List<RetrievedMemory> found =
                retriever
                        .retrieve(
                                query,
                                at.toEpochMilli(),
                                view.memories(tenant, user),
                                List.of(),
                                k == null ? defaultK : k)
                        .memories();
        searchNanos.addAndGet(System.nanoTime() - start);
        searches.increment();
        ArrayNode results = JSON.createArrayNode();
        for (RetrievedMemory m : found) {
            ObjectNode r = results.addObject();
            r.put("id", m.getMemoryId());
            r.put("memory", m.getText());
            r.put("score", m.getScore());
            r.put("status", m.getStatus().name());
            r.put("valid_from", m.getValidFrom().toString());
            r.put("valid_to", m.getValidTo() == null ? null : m.getValidTo().toString());
            ArrayNode src = r.putArray("source_turn_ids");
            m.getSourceTurnIds().forEach(src::add);
        }
        ObjectNode o = JSON.createObjectNode();
        o.set("results", results);
        ctx.json(o);
    }

    static ObjectNode memoryJson(MemoryRecord r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.getMemoryId());
        o.put("memory", r.getText());
        o.put("user_id", r.getUserId());
        o.put("status", r.getStatus().name());
        o.put("version", r.getVersion());
        o.put("speaker", r.getSpeaker());
        o.put("valid_from", r.getValidFrom().toString());
        o.put("valid_to", r.getValidTo() == null ? null : r.getValidTo().toString());
        o.put("created_at", r.getEventTime().toString());
        ArrayNode src = o.putArray("source_turn_ids");
        r.getSourceTurnIds().forEach(src::add);
        return o;
    }

    private void list(Context ctx) {
        String tenant = tenant(ctx);
        String user = ctx.queryParam("user_id");
        if (user == null || user.isBlank()) {
            throw new ApiError(400, "invalid", "user_id query parameter is missing");
        }
        ArrayNode results = JSON.createArrayNode();
        view.memories(tenant, user).forEach(r -> results.add(memoryJson(r)));
        ObjectNode o = JSON.createObjectNode();
        o.set("results", results);
        ctx.json(o);
    }

    private MemoryRecord owned(Context ctx, String tenant) {
        MemoryRecord r = view.memory(tenant, ctx.pathParam("id"));
        if (r == null) {
            throw new ApiError(404, "not_found", "no memory " + ctx.pathParam("id"));
        }
        return r;
    }

    private void get(Context ctx) {
        ctx.json(memoryJson(owned(ctx, tenant(ctx))));
    }

    private void history(Context ctx) {
        String tenant = tenant(ctx);
        owned(ctx, tenant);
        ArrayNode results = JSON.createArrayNode();
        for (MemoryChange c : view.history(tenant, ctx.pathParam("id"))) {
            ObjectNode h = results.addObject();
            h.put("version", c.getVersion());
            h.put("event", c.getType().name());
            h.put("change_time", c.getChangeTime().toString());
            h.put("reason", c.getReason());
            h.set("memory", memoryJson(c.getRecord()));
        }
        ObjectNode o = JSON.createObjectNode();
        o.set("results", results);
        ctx.json(o);
    }

    private void deleteOne(Context ctx) {
        String tenant = tenant(ctx);
        MemoryRecord r = owned(ctx, tenant);
        io.send(
                topics.control(),
                control(tenant, r.getUserId(), ControlType.DELETE_MEMORY, r.getMemoryId()));
        ctx.status(HttpStatus.ACCEPTED)
                .json(Map.of("message", "delete of " + r.getMemoryId() + " sent"));
    }

    private void deleteUser(Context ctx) {
        String tenant = tenant(ctx);
        String user = ctx.queryParam("user_id");
        if (user == null || user.isBlank()) {
            throw new ApiError(400, "invalid", "user_id query parameter is missing");
        }
        io.send(topics.control(), control(tenant, user, ControlType.FORGET_USER, null));
        ctx.status(HttpStatus.ACCEPTED).json(Map.of("message", "forget of user " + user + " sent"));
    }
}
