package io.memflow.serving.tokenizer;

import io.memflow.serving.gguf.GgufFormatException;
import io.memflow.serving.gguf.GgufMetadata;
import java.nio.file.Path;

/** Builds the tokenizer a GGUF file describes. */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer fromGguf(Path file, GgufMetadata md) throws GgufFormatException {
        try {
            String model = md.getString("tokenizer.ggml.model", "<missing>");
            String[] tokens = md.getStringArray("tokenizer.ggml.tokens");
            float[] scores =
                    md.contains("tokenizer.ggml.scores")
                            ? md.getFloatArray("tokenizer.ggml.scores")
                            : null;
            int[] types =
                    md.contains("tokenizer.ggml.token_type")
                            ? md.getIntArray("tokenizer.ggml.token_type")
                            : null;
            Vocabulary vocab =
                    new Vocabulary(
                            tokens,
                            scores,
                            types,
                            md.getInt("tokenizer.ggml.bos_token_id", -1),
                            md.getInt("tokenizer.ggml.eos_token_id", -1),
                            md.getInt("tokenizer.ggml.unknown_token_id", -1));
            switch (model) {
                case "llama":
                    return new SentencePieceTokenizer(
                            vocab,
                            bool(md, "tokenizer.ggml.add_bos_token", true),
                            bool(md, "tokenizer.ggml.add_space_prefix", true));
                case "gpt2":
                    return new BpeTokenizer(
                            vocab,
                            md.getStringArray("tokenizer.ggml.merges"),
                            BpeTokenizer.PreTokenizer.fromGguf(
                                    md.getString("tokenizer.ggml.pre", null)),
                            bool(md, "tokenizer.ggml.add_bos_token", vocab.bos() >= 0));
                default:
                    throw new GgufFormatException(
                            file,
                            "unsupported tokenizer.ggml.model '"
                                    + model
                                    + "' (supported: llama, gpt2)");
            }
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new GgufFormatException(file, "bad tokenizer metadata: " + e.getMessage(), e);
        }
    }

    private static boolean bool(GgufMetadata md, String key, boolean defaultValue) {
        Object v = md.get(key);
        return v instanceof Boolean ? (Boolean) v : defaultValue;
    }
}
