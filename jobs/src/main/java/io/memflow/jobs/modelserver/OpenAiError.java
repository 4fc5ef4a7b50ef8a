package io.memflow.jobs.modelserver;

/**
 * An error answered in the OpenAI shape, {@code {"error":{"message","type","param","code"}}}, with
 * its HTTP status, so OpenAI clients raise their usual exceptions.
 */
final class OpenAiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final String code;

    OpenAiError(int status, String type, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
    }

    static OpenAiError invalid(String code, String message) {
        return new OpenAiError(400, "invalid_request_error", code, message);
    }
}
