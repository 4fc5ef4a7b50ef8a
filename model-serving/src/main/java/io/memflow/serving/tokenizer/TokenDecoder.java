package io.memflow.serving.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of tokens into text for streaming output. Byte-level tokens may end inside a UTF-8
 * character, so incomplete trailing bytes are held back until the next token completes them.
 */
public final class TokenDecoder {
    private final Tokenizer tokenizer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int previous;

    public TokenDecoder(Tokenizer tokenizer, int previous) {
        this.tokenizer = tokenizer;
        this.previous = previous;
    }

    /** Text completed by {@code token} (possibly empty). */
    public String next(int token) {
        byte[] b = tokenizer.tokenBytes(previous, token);
        previous = token;
        pending.write(b, 0, b.length);
        byte[] all = pending.toByteArray();
        int complete = completePrefix(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** Whatever is still held back, decoded leniently. */
    public String flush() {
        String s = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return s;
    }

    /** Length of the longest prefix that does not end inside a UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the lead byte of a sequence that needs more bytes
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for the lead
            }
            int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
