package io.memflow.serving.synth;

import io.memflow.serving.gguf.GgufWriter;
import io.memflow.serving.tokenizer.BpeTokenizer;
import io.memflow.serving.tokenizer.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Random but valid tokenizer vocabularies: every multi-character piece is the concatenation of two
 * earlier pieces, so the merge algorithms of both families can reach it.
 */
final class SyntheticVocabulary {
    private static final String ALPHABET =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()";

    private SyntheticVocabulary() {}

    static void write(GgufWriter w, String family, int size, long seed) {
        if (family.equals("llama")) {
            sentencePiece(w, size, seed);
        } else {
            bpe(w, size, seed);
        }
    }

    private static void sentencePiece(GgufWriter w, int size, long seed) {
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        tokens.add("<unk>");
        types.add(Vocabulary.TYPE_UNKNOWN);
        tokens.add("<s>");
        types.add(Vocabulary.TYPE_CONTROL);
        tokens.add("</s>");
        types.add(Vocabulary.TYPE_CONTROL);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(Vocabulary.TYPE_BYTE);
        }
        int firstPiece = tokens.size();
        tokens.add("\u2581");
        types.add(Vocabulary.TYPE_NORMAL);
        for (char c : ALPHABET.toCharArray()) {
            tokens.add(String.valueOf(c));
            types.add(Vocabulary.TYPE_NORMAL);
        }
        grow(tokens, types, firstPiece, size, seed, null);
        float[] scores = new float[tokens.size()];
        for (int i = firstPiece; i < scores.length; i++) {
            scores[i] = -(i - firstPiece); // earlier pieces merge first
        }
        w.putString("tokenizer.ggml.model", "llama");
        w.putStringArray("tokenizer.ggml.tokens", tokens.toArray(new String[0]));
        w.putFloatArray("tokenizer.ggml.scores", scores);
        w.putIntArray("tokenizer.ggml.token_type", types.stream().mapToInt(i -> i).toArray());
        w.putUInt32("tokenizer.ggml.unknown_token_id", 0);
        w.putUInt32("tokenizer.ggml.bos_token_id", 1);
        w.putUInt32("tokenizer.ggml.eos_token_id", 2);
    }

    private static void bpe(GgufWriter w, int size, long seed) {
        String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(BpeTokenizer.bytesToChars(new byte[] {(byte) b}));
            types.add(Vocabulary.TYPE_NORMAL);
        }
        // seed the merge pool with " x" pairs so word-initial pieces exist
        List<String> merges = new ArrayList<>();
        String space = BpeTokenizer.bytesToChars(" ".getBytes(StandardCharsets.UTF_8));
        for (char c : "abcdefghijklmnopqrstuvwxyz".toCharArray()) {
            merges.add(space + " " + c);
            tokens.add(space + c);
            types.add(Vocabulary.TYPE_NORMAL);
        }
        grow(tokens, types, 0, size - specials.length, seed, merges);
        for (String s : specials) {
            tokens.add(s);
            types.add(Vocabulary.TYPE_CONTROL);
        }
        int eot = size - specials.length;
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "smollm");
        w.putStringArray("tokenizer.ggml.tokens", tokens.toArray(new String[0]));
        w.putIntArray("tokenizer.ggml.token_type", types.stream().mapToInt(i -> i).toArray());
        w.putStringArray("tokenizer.ggml.merges", merges.toArray(new String[0]));
        w.putUInt32("tokenizer.ggml.bos_token_id", eot);
        w.putUInt32("tokenizer.ggml.eos_token_id", eot);
        w.putBool("tokenizer.ggml.add_bos_token", true);
    }

    /** Adds concatenations of two existing pieces (from index {@code from}) until {@code size}. */
    private static void grow(
            List<String> tokens,
            List<Integer> types,
            int from,
            int size,
            long seed,
            List<String> merges) {
        SplittableRandom r = new SplittableRandom(seed);
        Set<String> seen = new HashSet<>(tokens);
        int attempts = 0;
        while (tokens.size() < size) {
            if (++attempts > 100 * size) {
                throw new IllegalStateException("cannot grow a vocabulary to " + size);
            }
            // bias towards early (short, frequent) pieces, as real vocabularies are
            int n = tokens.size() - from;
            String left = tokens.get(from + (int) (n * Math.pow(r.nextDouble(), 2)));
            String right = tokens.get(from + (int) (n * Math.pow(r.nextDouble(), 2)));
            String merged = left + right;
            if (merged.length() > 12 || right.startsWith("\u2581") || !seen.add(merged)) {
                continue;
            }
            tokens.add(merged);
            types.add(Vocabulary.TYPE_NORMAL);
            if (merges != null) {
                merges.add(left + " " + right);
            }
        }
    }
}
