package io.memflow.serving.api;

/** Streaming callback: one call per generated token. */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = (token, text) -> {};

    /**
     * @param text the text this token completes; may be empty
     */
    void onToken(int token, String text);
}
