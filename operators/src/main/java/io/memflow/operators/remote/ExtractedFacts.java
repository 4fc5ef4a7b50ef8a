package io.memflow.operators.remote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Strict reader of an extraction reply: one JSON object {@code {"facts":[{"text","speaker","date",
 * "source_turn_ids"}]}} and nothing else (a surrounding Markdown code fence is tolerated). Unknown
 * fields, wrong types, blank text, a date that is not {@code YYYY-MM-DD}, or too many facts make
 * the whole reply invalid: a half-understood reply is not worth more than the extractive facts.
 */
public final class ExtractedFacts {
    /** Facts per reply at most. */
    public static final int MAX_FACTS = 64;

    /** Characters of one fact's text at most. */
    public static final int MAX_TEXT = 2000;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Set<String> FIELDS = Set.of("text", "speaker", "date", "source_turn_ids");

    /** One fact as the model stated it (ids not yet checked against the batch). */
    public record Fact(String text, String speaker, LocalDate date, List<String> sourceTurnIds) {}

    /** The reply broke the format. */
    public static final class InvalidReply extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidReply(String message) {
            super(message);
        }
    }

    private ExtractedFacts() {}

    public static List<Fact> parse(String reply) throws InvalidReply {
        JsonNode root;
        try {
            root = JSON.readTree(unfence(reply));
        } catch (JsonProcessingException e) {
            throw new InvalidReply("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidReply("not a JSON object");
        }
        if (root.size() != 1 || !root.has("facts")) {
            throw new InvalidReply("the object must hold exactly one field, facts");
        }
        JsonNode facts = root.get("facts");
        if (!facts.isArray()) {
            throw new InvalidReply("facts is not an array");
        }
        if (facts.size() > MAX_FACTS) {
            throw new InvalidReply("more than " + MAX_FACTS + " facts");
        }
        List<Fact> out = new ArrayList<>();
        int i = 0;
        for (JsonNode f : facts) {
            out.add(fact(f, i++));
        }
        return out;
    }

    private static Fact fact(JsonNode f, int i) throws InvalidReply {
        if (!f.isObject()) {
            throw new InvalidReply("fact " + i + " is not an object");
        }
        for (Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidReply("fact " + i + " has an unknown field " + name);
            }
        }
        JsonNode text = f.get("text");
        if (text == null || !text.isTextual() || text.asText().isBlank()) {
            throw new InvalidReply("fact " + i + ": text must be a non-blank string");
        }
        if (text.asText().length() > MAX_TEXT) {
            throw new InvalidReply("fact " + i + ": text longer than " + MAX_TEXT);
        }
        String speaker = optionalString(f, "speaker", i);
        String date = optionalString(f, "date", i);
        LocalDate day = null;
        if (date != null) {
            try {
                day = LocalDate.parse(date);
            } catch (DateTimeParseException e) {
                throw new InvalidReply("fact " + i + ": date " + date + " is not YYYY-MM-DD");
            }
        }
        JsonNode ids = f.get("source_turn_ids");
        if (ids == null || !ids.isArray()) {
            throw new InvalidReply("fact " + i + ": source_turn_ids must be an array");
        }
        List<String> sources = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isTextual()) {
                throw new InvalidReply("fact " + i + ": source_turn_ids must hold strings");
            }
            sources.add(id.asText());
        }
        return new Fact(text.asText().strip(), speaker, day, sources);
    }

    private static String optionalString(JsonNode f, String field, int i) throws InvalidReply {
        JsonNode n = f.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new InvalidReply("fact " + i + ": " + field + " must be a string");
        }
        return n.asText().isBlank() ? null : n.asText().strip();
    }

    /** The reply without a surrounding ``` or ```json fence. */
    static String unfence(String reply) {
        String s = reply == null ? "" : reply.strip();
        if (s.startsWith("```") && s.endsWith("```") && s.length() >= 6) {
            s = s.substring(3, s.length() - 3);
            if (s.startsWith("json")) {
                s = s.substring(4);
            }
        }
        return s.strip();
    }
}
