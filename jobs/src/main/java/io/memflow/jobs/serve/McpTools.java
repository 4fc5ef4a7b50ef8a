package io.memflow.jobs.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * memflow's memory operations as MCP tools ({@code add_memory}, {@code search_memory}, {@code
 * list_memories}, {@code delete_memory}) on the official MCP Java SDK. Each tool takes the same
 * JSON as its REST twin and answers with the same JSON ({@link ServeJson}, so the same {@link
 * MemoryService} code path); errors come back as tool errors carrying the REST error document.
 * Served by {@code serve} over streamable HTTP at {@code /mcp} and by {@code memflow mcp} over
 * stdio.
 */
public final class McpTools {
    /** Transport-context entry holding the caller's tenant (null when not authorised). */
    public static final String TENANT = "memflow.tenant";

    static final McpJsonMapper MAPPER = new JacksonMcpJsonMapper(ServeJson.JSON);

    private final MemoryService service;
    private final Function<McpTransportContext, String> tenantOf;

    /**
     * @param tenantOf the caller's tenant from the request's transport context, null when the
     *     caller is not authorised
     */
    public McpTools(MemoryService service, Function<McpTransportContext, String> tenantOf) {
        this.service = service;
        this.tenantOf = tenantOf;
    }

    /** A server on a streamable-HTTP transport (one session per client). */
    public McpSyncServer serve(McpStreamableServerTransportProvider transport) {
        return McpServer.sync(transport)
                .serverInfo("memflow", "0.1.0")
                .jsonMapper(MAPPER)
                .instructions(INSTRUCTIONS)
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(tools())
                .build();
    }

    /** A server on a single-session transport (stdio). */
    public McpSyncServer serve(McpServerTransportProvider transport) {
        return McpServer.sync(transport)
                .serverInfo("memflow", "0.1.0")
                .jsonMapper(MAPPER)
                .instructions(INSTRUCTIONS)
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(tools())
                .build();
    }

    private static final String INSTRUCTIONS =
            "Long-term memory of a user. search_memory before answering questions about the user;"
                    + " add_memory with what the user said worth keeping; memories appear in"
                    + " search once the memflow job has consolidated them (consolidate=true asks"
                    + " for it now).";

    List<SyncToolSpecification> tools() {
        return List.of(
                tool(
                        "add_memory",
                        "Remember a conversation: sends the messages as turns of the user; with"
                                + " consolidate=true they become memories right away. Returns"
                                + " the turn ids.",
                        """
                        {"type":"object","properties":{
                          "user_id":{"type":"string"},
                          "session_id":{"type":"string"},
                          "consolidate":{"type":"boolean"},
                          "messages":{"type":"array","items":{"type":"object","properties":{
                            "role":{"type":"string"},"content":{"type":"string"},
                            "name":{"type":"string"},
                            "created_at":{"type":"string","description":"ISO-8601 instant"}},
                            "required":["role","content"]}}},
                         "required":["user_id","messages"]}""",
                        (tenant, args) ->
                                ServeJson.add(
                                        service,
                                        tenant,
                                        args,
                                        args.path("consolidate").asBoolean(false))),
                tool(
                        "search_memory",
                        "The user's memories most relevant to a query, best first, each with its"
                                + " date, validity and source turn ids.",
                        """
                        {"type":"object","properties":{
                          "user_id":{"type":"string"},
                          "query":{"type":"string"},
                          "k":{"type":"integer","minimum":1,"maximum":1000},
                          "query_time":{"type":"string","description":"ISO-8601 instant"}},
                         "required":["user_id","query"]}""",
                        (tenant, args) -> ServeJson.search(service, tenant, args)),
                tool(
                        "list_memories",
                        "Every current memory of the user.",
                        """
                        {"type":"object","properties":{"user_id":{"type":"string"}},
                         "required":["user_id"]}""",
                        (tenant, args) ->
                                ServeJson.list(
                                        service, tenant, ServeJson.text(args, "user_id", true))),
                tool(
                        "delete_memory",
                        "Delete one memory by id, or with user_id and no memory_id forget the"
                                + " whole user. The memory leaves search once the job has"
                                + " committed the delete.",
                        """
                        {"type":"object","properties":{
                          "memory_id":{"type":"string"},"user_id":{"type":"string"}}}""",
                        (tenant, args) -> {
                            String id = ServeJson.text(args, "memory_id", false);
                            return id != null
                                    ? ServeJson.delete(service, tenant, id)
                                    : ServeJson.forget(
                                            service, tenant, ServeJson.text(args, "user_id", true));
                        }));
    }

    private SyncToolSpecification tool(
            String name,
            String description,
            String inputSchema,
            BiFunction<String, JsonNode, ObjectNode> call) {
        return SyncToolSpecification.builder()
                .tool(
                        McpSchema.Tool.builder()
                                .name(name)
                                .description(description)
                                .inputSchema(MAPPER, inputSchema)
                                .build())
                .callHandler(
                        (exchange, request) -> {
                            String tenant = tenantOf.apply(exchange.transportContext());
                            if (tenant == null) {
                                return failure("unauthorized", "send Authorization: Bearer <key>");
                            }
                            Map<String, Object> args =
                                    request.arguments() == null ? Map.of() : request.arguments();
                            try {
                                ObjectNode out =
                                        call.apply(tenant, ServeJson.JSON.valueToTree(args));
                                return McpSchema.CallToolResult.builder()
                                        .addTextContent(out.toString())
                                        .isError(false)
                                        .build();
                            } catch (ServeError e) {
                                return failure(e.code(), e.getMessage());
                            }
                        })
                .build();
    }

    private static McpSchema.CallToolResult failure(String code, String message) {
        return McpSchema.CallToolResult.builder()
                .addTextContent(ServeJson.error(code, message).toString())
                .isError(true)
                .build();
    }
}
