package io.memflow.serving.tokenizer;

/** Text to token ids and back, for one GGUF vocabulary. */
public interface Tokenizer {

    Vocabulary vocabulary();

    /**
     * Encodes {@code text} without BOS. With {@code parseSpecial}, control tokens written out in
     * the text ("&lt;|im_start|&gt;") become their ids; otherwise they are plain text.
     */
    int[] encode(String text, boolean parseSpecial);

    /**
     * The bytes {@code token} stands for when it follows {@code previous} (-1 at the start).
     * Control tokens stand for nothing. Bytes, not a string: one character may span tokens.
     */
    byte[] tokenBytes(int previous, int token);

    /** Whether prompts start with BOS ({@code tokenizer.ggml.add_bos_token}). */
    boolean addBos();

    ChatFormat chatFormat();

    /** Decodes {@code tokens} following {@code previous} (-1 at the start of a sequence). */
    default String decode(int previous, int[] tokens) {
        TokenDecoder decoder = new TokenDecoder(this, previous);
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            sb.append(decoder.next(t));
        }
        return sb.append(decoder.flush()).toString();
    }
}
