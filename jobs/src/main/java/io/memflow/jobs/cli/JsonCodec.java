package io.memflow.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Plain JSON for memflow records, for people and shell tools: unions with null become the value or
 * null, timestamps ISO-8601 strings, bytes base64, enums their names. Reading is strict about
 * types, as the Avro schema is: a number where text is expected, or epoch millis where an instant
 * is, is an error naming the field, never silently converted ({@code "text": 42} would otherwise
 * become "42" and {@code "eventTime": 12345} 1970-01-01). Avro's own JSON encoding wraps every
 * union value in a type object, which nobody wants to type by hand.
 */
public final class JsonCodec {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonCodec() {}

    public static ObjectNode toJson(SpecificRecordBase record) {
        return (ObjectNode) write(record.getSchema(), record);
    }

    private static JsonNode write(Schema s, Object v) {
        if (v == null) {
            return MAPPER.nullNode();
        }
        switch (s.getType()) {
            case UNION:
                for (Schema t : s.getTypes()) {
                    if (t.getType() != Schema.Type.NULL && SpecificData.get().validate(t, v)) {
                        return write(t, v);
                    }
                }
                return write(s.getTypes().get(s.getTypes().size() - 1), v);
            case RECORD:
                ObjectNode o = MAPPER.createObjectNode();
                SpecificRecordBase r = (SpecificRecordBase) v;
                for (Schema.Field f : s.getFields()) {
                    o.set(f.name(), write(f.schema(), r.get(f.pos())));
                }
                return o;
            case ARRAY:
                ArrayNode a = MAPPER.createArrayNode();
                for (Object e : (List<?>) v) {
                    a.add(write(s.getElementType(), e));
                }
                return a;
            case BYTES:
                ByteBuffer b = ((ByteBuffer) v).duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                return MAPPER.getNodeFactory().textNode(Base64.getEncoder().encodeToString(bytes));
            case LONG:
                if (v instanceof Instant i) {
                    return MAPPER.getNodeFactory().textNode(i.toString());
                }
                return MAPPER.getNodeFactory().numberNode((Long) v);
            case INT:
                return MAPPER.getNodeFactory().numberNode((Integer) v);
            case FLOAT:
                return MAPPER.getNodeFactory().numberNode((Float) v);
            case DOUBLE:
                return MAPPER.getNodeFactory().numberNode((Double) v);
            case BOOLEAN:
                return MAPPER.getNodeFactory().booleanNode((Boolean) v);
            default:
                return MAPPER.getNodeFactory().textNode(v.toString());
        }
    }

    /**
     * Reads a record from plain JSON; absent fields take their schema default.
     *
     * @throws IllegalArgumentException naming the field that is missing or malformed
     */
    public static <T extends SpecificRecordBase> T fromJson(JsonNode json, Class<T> type) {
        Schema schema = SpecificData.get().getSchema(type);
        @SuppressWarnings("unchecked")
        T out = (T) read(schema, json, schema.getName());
        return out;
    }

    private static Object read(Schema s, JsonNode n, String path) {
        switch (s.getType()) {
            case NULL:
                return null;
            case UNION:
                if (n == null || n.isNull()) {
                    if (s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL)) {
                        return null;
                    }
                    throw new IllegalArgumentException(path + " is required");
                }
                for (Schema t : s.getTypes()) {
                    if (t.getType() != Schema.Type.NULL) {
                        return read(t, n, path);
                    }
                }
                return null;
            case RECORD:
                if (n == null || !n.isObject()) {
                    throw new IllegalArgumentException(path + " must be a JSON object");
                }
                SpecificRecordBase r = (SpecificRecordBase) SpecificData.get().newRecord(null, s);
                for (Schema.Field f : s.getFields()) {
                    JsonNode v = n.get(f.name());
                    if (v == null && f.hasDefaultValue()) {
                        r.put(
                                f.pos(),
                                SpecificData.get()
                                        .deepCopy(
                                                f.schema(), SpecificData.get().getDefaultValue(f)));
                    } else if (v == null) {
                        throw new IllegalArgumentException(path + "." + f.name() + " is required");
                    } else {
                        r.put(f.pos(), read(f.schema(), v, path + "." + f.name()));
                    }
                }
                return r;
            case ARRAY:
                if (!n.isArray()) {
                    throw new IllegalArgumentException(path + " must be an array");
                }
                List<Object> list = new ArrayList<>();
                for (JsonNode e : n) {
                    list.add(read(s.getElementType(), e, path + "[]"));
                }
                return list;
            case STRING:
                if (n.isNull()) {
                    throw new IllegalArgumentException(path + " is required");
                }
                if (!n.isTextual()) {
                    throw new IllegalArgumentException(
                            path + " must be a JSON string, was " + kind(n) + " " + n);
                }
                return n.asText();
            case ENUM:
                if (!n.isTextual()) {
                    throw new IllegalArgumentException(
                            path
                                    + " must be one of "
                                    + s.getEnumSymbols()
                                    + " as a string, was "
                                    + kind(n)
                                    + " "
                                    + n);
                }
                String sym = n.asText();
                if (!s.getEnumSymbols().contains(sym)) {
                    throw new IllegalArgumentException(
                            path + " must be one of " + s.getEnumSymbols() + ", was " + sym);
                }
                return SpecificData.get().createEnum(sym, s);
            case LONG:
                if (s.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    String like = " must be an ISO-8601 instant string like 2023-05-08T13:56:00Z";
                    if (!n.isTextual()) {
                        throw new IllegalArgumentException(
                                path + like + ", was " + kind(n) + " " + n);
                    }
                    try {
                        return Instant.parse(n.asText());
                    } catch (DateTimeParseException e) {
                        throw new IllegalArgumentException(path + like + ", was " + n);
                    }
                }
                return integral(n, path, Long.MIN_VALUE, Long.MAX_VALUE);
            case INT:
                return (int) integral(n, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case FLOAT:
                return number(n, path).floatValue();
            case DOUBLE:
                return number(n, path).doubleValue();
            case BOOLEAN:
                if (!n.isBoolean()) {
                    throw new IllegalArgumentException(
                            path + " must be true or false, was " + kind(n) + " " + n);
                }
                return n.asBoolean();
            case BYTES:
                try {
                    return ByteBuffer.wrap(Base64.getDecoder().decode(n.asText()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(path + " must be base64, was " + n);
                }
            default:
                throw new IllegalArgumentException(path + ": unsupported type " + s.getType());
        }
    }

    private static long integral(JsonNode n, String path, long min, long max) {
        if (!n.isIntegralNumber()
                || !n.canConvertToLong()
                || n.asLong() < min
                || n.asLong() > max) {
            throw new IllegalArgumentException(
                    path + " must be a whole number, was " + kind(n) + " " + n);
        }
        return n.asLong();
    }

    private static String kind(JsonNode n) {
        if (n.isTextual()) {
            return "the string";
        }
        if (n.isNumber()) {
            return "the number";
        }
        if (n.isBoolean()) {
            return "the boolean";
        }
        return n.isArray() ? "an array" : n.isObject() ? "an object" : "";
    }

    private static Number number(JsonNode n, String path) {
        if (!n.isNumber()) {
            throw new IllegalArgumentException(path + " must be a number, was " + n);
        }
        return n.numberValue();
    }
}
