package io.memflow.jobs.cli;

/** A user error: printed as one line without a stack trace, exit code 2. */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CliException(String message) {
        super(message);
    }
}
