package io.memflow.serving.gguf;

import java.io.IOException;
import java.nio.file.Path;

/** A GGUF file that cannot be used: the message always names the file and the problem. */
public final class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public GgufFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public GgufFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
