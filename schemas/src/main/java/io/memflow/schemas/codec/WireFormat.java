package io.memflow.schemas.codec;

import io.memflow.schemas.AgentEvent;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
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

    private static final Map<Class<?>, Function<ByteBuffer, ?>> DECODERS =
            Map.of(
                    ConversationTurn.class, b -> call(() -> ConversationTurn.fromByteBuffer(b)),
                    AgentEvent.class, b -> call(() -> AgentEvent.fromByteBuffer(b)),
                    MemoryQuery.class, b -> call(() -> MemoryQuery.fromByteBuffer(b)),
                    ControlCommand.class, b -> call(() -> ControlCommand.fromByteBuffer(b)),
                    MemoryChange.class, b -> call(() -> MemoryChange.fromByteBuffer(b)),
                    MemoryAnswer.class, b -> call(() -> MemoryAnswer.fromByteBuffer(b)),
                    DeadLetter.class, b -> call(() -> DeadLetter.fromByteBuffer(b)));

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
        Function<ByteBuffer, ?> decoder = DECODERS.get(type);
        if (decoder == null) {
            throw new IllegalArgumentException("not a memflow topic type: " + type);
        }
        try {
            return (T) decoder.apply(ByteBuffer.wrap(bytes));
        } catch (DecodeFailure f) {
            Throwable c = f.getCause();
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

    private interface IoCall<T> {
        T get() throws IOException;
    }

    private static <T> T call(IoCall<T> c) {
        try {
            return c.get();
        } catch (IOException | RuntimeException e) {
            throw new DecodeFailure(e);
        }
    }

    private static final class DecodeFailure extends RuntimeException {
        DecodeFailure(Throwable cause) {
            super(cause);
        }
    }
}
