package io.memflow.jobs.serve;

/**
 * An error the caller can act on, the same for REST and MCP: an HTTP status, a short code and a
 * message that says what to change.
 */
public final class ServeError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String code;

    public ServeError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
