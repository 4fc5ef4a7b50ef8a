package io.memflow.jobs.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.servlet.ServletHolder;

/**
 * The HTTP shell of {@code serve}: Mem0-shaped REST routes and the MCP endpoint {@code /mcp}, both
 * thin over {@link MemoryService} (through {@link ServeJson} and {@link McpTools}), plus health,
 * Prometheus metrics and the OpenAPI document. Every route except those three needs the caller's
 * tenant ({@link Tenancy}).
 */
public final class ServeApi implements AutoCloseable {
    /** Which tenant a request may act for. */
    public interface Tenancy {
        /** The caller's tenant, or null when the request is not authorised. */
        String tenantOf(String authorizationHeader);

        boolean required();
    }

    private static final String STARTED = "memflow.started";

    private final MemoryService service;
    private final Tenancy tenancy;
    private final LatencyHistogram latency = new LatencyHistogram("memflow_serve_request_seconds");
    private final LongAdder requests = new LongAdder();
    private Javalin app;
    private McpSyncServer mcp;

    public ServeApi(MemoryService service, Tenancy tenancy) {
        this.service = service;
        this.tenancy = tenancy;
    }

    public Javalin start(String host, int port) {
        HttpServletStreamableServerTransportProvider transport =
                HttpServletStreamableServerTransportProvider.builder()
                        .jsonMapper(McpTools.MAPPER)
                        .mcpEndpoint("/mcp")
                        .contextExtractor(
                                req -> {
                                    Map<String, Object> m = new HashMap<>();
                                    String t = tenancy.tenantOf(req.getHeader("Authorization"));
                                    if (t != null) {
                                        m.put(McpTools.TENANT, t);
                                    }
                                    return McpTransportContext.create(m);
                                })
                        .build();
        mcp = new McpTools(service, ctx -> (String) ctx.get(McpTools.TENANT)).serve(transport);
        app =
                Javalin.create(
                        c -> {
                            c.showJavalinBanner = false;
                            c.http.maxRequestSize = 1_000_000L;
                            c.jetty.modifyServletContextHandler(
                                    h -> {
                                        ServletHolder holder =
                                                new ServletHolder(
                                                        new McpHttpEndpoint(
                                                                transport, tenancy, latency));
                                        holder.setAsyncSupported(true);
                                        h.addServlet(holder, "/mcp");
                                    });
                            c.requestLogger.http(this::observe);
                        });
        app.before(
                ctx -> {
                    requests.increment();
                    ctx.attribute(STARTED, System.nanoTime());
                });
        app.exception(
                ServeError.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage()));
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
        app.post(
                "/v1/memories",
                ctx ->
                        ctx.status(HttpStatus.ACCEPTED)
                                .json(
                                        ServeJson.add(
                                                service,
                                                tenant(ctx),
                                                body(ctx),
                                                "true".equals(ctx.queryParam("consolidate")))));
        app.post(
                "/v1/memories/search",
                ctx -> ctx.json(ServeJson.search(service, tenant(ctx), body(ctx))));
        app.get(
                "/v1/memories",
                ctx -> ctx.json(ServeJson.list(service, tenant(ctx), ctx.queryParam("user_id"))));
        app.get(
                "/v1/memories/{id}",
                ctx -> ctx.json(ServeJson.get(service, tenant(ctx), ctx.pathParam("id"))));
        app.get(
                "/v1/memories/{id}/history",
                ctx -> ctx.json(ServeJson.history(service, tenant(ctx), ctx.pathParam("id"))));
        app.delete(
                "/v1/memories/{id}",
                ctx ->
                        ctx.status(HttpStatus.ACCEPTED)
                                .json(ServeJson.delete(service, tenant(ctx), ctx.pathParam("id"))));
        app.delete(
                "/v1/memories",
                ctx ->
                        ctx.status(HttpStatus.ACCEPTED)
                                .json(
                                        ServeJson.forget(
                                                service, tenant(ctx), ctx.queryParam("user_id"))));
        return app.start(host, port);
    }

    /** Stops the MCP sessions and the HTTP server. */
    @Override
    public void close() {
        if (mcp != null) {
            mcp.close();
        }
        if (app != null) {
            app.stop();
        }
    }

    private void observe(Context ctx, Float ms) {
        Long started = ctx.attribute(STARTED);
        long nanos = started != null ? System.nanoTime() - started : (long) (ms * 1e6);
        String route;
        try {
            route = ctx.endpointHandlerPath();
        } catch (RuntimeException e) {
            route = "unmatched";
        }
        latency.record("method=\"" + ctx.method() + "\",route=\"" + route + "\"", nanos);
    }

    private static void error(Context ctx, int status, String code, String message) {
        ctx.status(status)
                .contentType("application/json")
                .result(ServeJson.error(code, message).toString());
    }

    private String tenant(Context ctx) {
        String t = tenancy.tenantOf(ctx.header("Authorization"));
        if (t == null) {
            throw new ServeError(
                    401,
                    "unauthorized",
                    "send Authorization: Bearer <key> with a key from the --api-keys file");
        }
        return t;
    }

    private static JsonNode body(Context ctx) throws IOException {
        JsonNode n = ServeJson.JSON.readTree(ctx.body());
        if (n == null || !n.isObject()) {
            throw new ServeError(400, "bad_json", "the body must be a JSON object");
        }
        return n;
    }

    private void health(Context ctx) {
        ChangelogFollower follower = service.follower();
        boolean ready = follower.ready();
        ObjectNode o = ServeJson.JSON.createObjectNode();
        o.put("status", ready ? "ready" : "catching_up");
        o.put("memories", service.view().memories());
        o.put("changelog_lag", follower.lag());
        o.put("partitions", follower.partitions().toString());
        ctx.status(ready ? 200 : 503).json(o);
    }

    private void metrics(Context ctx) {
        ChangelogFollower follower = service.follower();
        StringBuilder b = new StringBuilder();
        b.append("# HELP memflow_serve_requests_total HTTP requests received (MCP excluded).\n");
        b.append("# TYPE memflow_serve_requests_total counter\n");
        b.append("memflow_serve_requests_total ").append(requests.sum()).append('\n');
        latency.write(b);
        gauge(b, "memflow_serve_view_memories", "Memories in the view.", service.view().memories());
        gauge(b, "memflow_serve_view_users", "Users in the view.", service.view().users());
        gauge(
                b,
                "memflow_serve_changelog_applied",
                "Changelog records applied to the view.",
                service.view().applied());
        gauge(
                b,
                "memflow_serve_changelog_lag",
                "Changelog records not yet read (consumer lag, owned partitions).",
                follower.lag());
        gauge(
                b,
                "memflow_serve_ready",
                "1 once caught up with the changelog.",
                follower.ready() ? 1 : 0);
        ctx.contentType("text/plain; version=0.0.4").result(b.toString());
    }

    private static void gauge(StringBuilder b, String name, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
        b.append(name).append(' ').append(value).append('\n');
    }

    private void openapi(Context ctx) throws IOException {
        try (InputStream in = ServeApi.class.getResourceAsStream("/serve/openapi.json")) {
            ctx.contentType("application/json")
                    .result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
