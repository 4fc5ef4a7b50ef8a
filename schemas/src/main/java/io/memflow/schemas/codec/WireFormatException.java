package io.memflow.schemas.codec;

/** Bytes that are not a valid single-object encoded record of the expected type. */
public final class WireFormatException extends Exception {
    /** Why decoding failed; becomes the dead letter's errorType. */
    public enum Kind {
        UNDECODABLE,
        WRONG_SCHEMA
    }

    private final Kind kind;

    public WireFormatException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
