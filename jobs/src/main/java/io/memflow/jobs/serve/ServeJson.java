package io.memflow.jobs.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.RetrievedMemory;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/**
 * The JSON face of {@link MemoryService}, shared by REST and MCP: each operation reads its
 * arguments from a JSON object (a REST body, or an MCP tool's arguments), calls the service and
 * returns the Mem0-shaped answer (snake_case), so both front ends accept and return the same
 * documents.
 */
public final class ServeJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private ServeJson() {}

    /** {@code {user_id, session_id?, messages:[{role, content, name?, created_at?}]}}. */
    public static ObjectNode add(
            MemoryService service, String tenant, JsonNode args, boolean consolidate) {
        String user = text(args, "user_id", true);
        String session = text(args, "session_id", false);
        JsonNode messages = args.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new ServeError(400, "invalid", "messages must be a non-empty array");
        }
        List<MemoryService.Message> parsed = new ArrayList<>();
        int i = 0;
        for (JsonNode m : messages) {
            i++;
            if (!m.isObject()) {
                throw new ServeError(400, "invalid", "messages[" + i + "] must be an object");
            }
            parsed.add(
                    new MemoryService.Message(
                            text(m, "role", true),
                            text(m, "content", true),
                            text(m, "name", false),
                            time(m, "created_at")));
        }
        ArrayNode ids = JSON.createArrayNode();
        for (String id : service.add(tenant, user, session, parsed, consolidate).turnIds()) {
            ids.addObject().put("id", id).put("event", "ADD_TURN");
        }
        return results(ids);
    }

    /** {@code {user_id, query, k?, query_time?}} → {@code {results:[...]}}. */
    public static ObjectNode search(MemoryService service, String tenant, JsonNode args) {
        String user = text(args, "user_id", true);
        String query = text(args, "query", true);
        JsonNode kNode = args.get("k");
        if (kNode != null && !kNode.isNull() && !kNode.isInt()) {
            throw new ServeError(400, "invalid", "k must be an integer");
        }
        Integer k = kNode == null || kNode.isNull() ? null : kNode.asInt();
        ArrayNode results = JSON.createArrayNode();
        for (RetrievedMemory m : service.search(tenant, user, query, k, time(args, "query_time"))) {
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
        return results(results);
    }

    public static ObjectNode list(MemoryService service, String tenant, @Nullable String user) {
        if (user == null || user.isBlank()) {
            throw new ServeError(400, "invalid", "user_id is missing");
        }
        ArrayNode results = JSON.createArrayNode();
        service.list(tenant, user).forEach(r -> results.add(memory(r)));
        return results(results);
    }

    public static ObjectNode get(MemoryService service, String tenant, String memoryId) {
        return memory(service.get(tenant, memoryId));
    }

    public static ObjectNode history(MemoryService service, String tenant, String memoryId) {
        ArrayNode results = JSON.createArrayNode();
        for (MemoryChange c : service.history(tenant, memoryId)) {
            ObjectNode h = results.addObject();
            h.put("version", c.getVersion());
            h.put("event", c.getType().name());
            h.put("change_time", c.getChangeTime().toString());
            h.put("reason", c.getReason());
            h.set("memory", memory(c.getRecord()));
        }
        return results(results);
    }

    public static ObjectNode delete(MemoryService service, String tenant, String memoryId) {
        MemoryRecord r = service.delete(tenant, memoryId);
        return JSON.createObjectNode().put("message", "delete of " + r.getMemoryId() + " sent");
    }

    public static ObjectNode forget(MemoryService service, String tenant, @Nullable String user) {
        if (user == null || user.isBlank()) {
            throw new ServeError(400, "invalid", "user_id is missing");
        }
        service.forget(tenant, user);
        return JSON.createObjectNode().put("message", "forget of user " + user + " sent");
    }

    static ObjectNode memory(MemoryRecord r) {
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

    static ObjectNode error(String code, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.putObject("error").put("code", code).put("message", message);
        return e;
    }

    private static ObjectNode results(ArrayNode results) {
        ObjectNode o = JSON.createObjectNode();
        o.set("results", results);
        return o;
    }

    @Nullable
    static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new ServeError(400, "invalid", field + " is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new ServeError(400, "invalid", field + " must be a string");
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
            throw new ServeError(
                    400,
                    "invalid",
                    field + " must be an ISO-8601 instant such as 2024-04-10T00:00:00Z");
        }
    }
}
