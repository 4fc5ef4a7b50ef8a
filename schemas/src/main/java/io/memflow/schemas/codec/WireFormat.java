package io.memflow.schemas.codec;

import io.memflow.schemas.AgentEvent;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The wire format of every memflow topic: Avro single-object encoding (2 marker bytes, the 8-byte
 * CRC-64-AVRO fingerprint of the writer schema, then the binary body), written and read with Avro's
 * own message encoder and decoder. The fingerprint lets a reader tell a record of another schema
 * apart from a corrupt one, and lets later readers resolve older writer schemas.
 */
public final class WireFormat {

    /** The record types memflow writes on its topics. */
    public static final List<Class<? extends SpecificRecordBase>> TOPIC_TYPES =
            List.of(
                    ConversationTurn.class,
                    AgentEvent.class,
                    MemoryQuery.class,
                    ControlCommand.class,
                    MemoryChange.class,
                    MemoryAnswer.class,
                    DeadLetter.class);

    /**
     * Every released version of every topic schema, so a record written by an older producer (with
     * an older schema's fingerprint) is resolved into the current classes. The frozen copies in
     * {@code schema-history/<Record>/vN.avsc} are never edited; a schema change adds a version.
     */
    public static final String HISTORY = "/schema-history/";

    private static final Map<Class<?>, BinaryMessageDecoder<?>> DECODERS = decoders();

    private WireFormat() {}

    /** Encodes a record in single-object encoding. */
    public static byte[] encode(SpecificRecordBase record) {
        try {
            ByteBuffer buf =
                    (ByteBuffer) record.getClass().getMethod("toByteBuffer").invoke(record);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("not a generated Avro record: " + record.getClass(), e);
        }
    }

    /**
     * Decodes bytes as {@code type}.
     *
     * @throws WireFormatException with a reason a person can act on
     */
    @SuppressWarnings("unchecked")
    public static <T> T decode(byte[] bytes, Class<T> type) throws WireFormatException {
        if (bytes == null || bytes.length == 0) {
            throw new WireFormatException(WireFormatException.Kind.UNDECODABLE, "empty value");
        }
        BinaryMessageDecoder<?> decoder = DECODERS.get(type);
        if (decoder == null) {
            throw new IllegalArgumentException("not a memflow topic type: " + type);
        }
        try {
            return (T) decoder.decode(ByteBuffer.wrap(bytes));
        } catch (IOException | RuntimeException c) {
            if (c instanceof MissingSchemaException) {
                String other = describeFingerprint(bytes);
                throw new WireFormatException(
                        WireFormatException.Kind.WRONG_SCHEMA,
                        "expected "
                                + type.getSimpleName()
                                + " but the writer schema fingerprint is "
                                + other);
            }
            if (c instanceof BadHeaderException) {
                throw new WireFormatException(
                        WireFormatException.Kind.UNDECODABLE,
                        "not Avro single-object encoding (" + c.getMessage() + ")");
            }
            throw new WireFormatException(
                    WireFormatException.Kind.UNDECODABLE,
                    "corrupt " + type.getSimpleName() + " body: " + c);
        }
    }

    /** Names the memflow type whose fingerprint the bytes carry, or the raw fingerprint. */
    static String describeFingerprint(byte[] bytes) {
        if (bytes.length < 10) {
            return "missing";
        }
        long fp = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        for (Class<? extends SpecificRecordBase> t : TOPIC_TYPES) {
            if (fingerprint(schemaOf(t)) == fp) {
                return String.format("%016x (%s)", fp, t.getSimpleName());
            }
        }
        return String.format("%016x (unknown schema)", fp);
    }

    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    public static Schema schemaOf(Class<? extends SpecificRecordBase> type) {
        try {
            return (Schema) type.getMethod("getClassSchema").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type + " is not a generated Avro record", e);
        }
    }

    /** The released versions of {@code type}'s schema, oldest first (v1, v2, ...). */
    public static List<Schema> history(Class<? extends SpecificRecordBase> type) {
        List<Schema> out = new ArrayList<>();
        for (int v = 1; ; v++) {
            String path = HISTORY + type.getSimpleName() + "/v" + v + ".avsc";
            try (InputStream in = WireFormat.class.getResourceAsStream(path)) {
                if (in == null) {
                    return out;
                }
                out.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
        }
    }

    private static Map<Class<?>, BinaryMessageDecoder<?>> decoders() {
        Map<Class<?>, BinaryMessageDecoder<?>> m = new HashMap<>();
        for (Class<? extends SpecificRecordBase> t : TOPIC_TYPES) {
            // one store per type: a record of another type stays a WRONG_SCHEMA, not a failed
            // resolution
            SchemaStore.Cache store = new SchemaStore.Cache();
            history(t).forEach(store::addSchema);
            try {
                m.put(
                        t,
                        (BinaryMessageDecoder<?>)
                                t.getMethod("createDecoder", SchemaStore.class)
                                        .invoke(null, store));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(t + " is not a generated Avro record", e);
            }
        }
        return Map.copyOf(m);
    }
}
