package io.memflow.serving.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece-style BPE over scored pieces ({@code tokenizer.ggml.model = llama}), as in
 * llama2.c: spaces become "▁", a "▁" is prefixed to raw text, each character maps to its piece (or
 * to {@code <0xXX>} byte pieces when unknown), then the adjacent pair whose merged piece has the
 * highest score is merged until no merge applies.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    static final String SPACE = "\u2581";

    private final Vocabulary vocab;
    private final boolean addBos;
    private final boolean addSpacePrefix;
    private final int[] byteTokens = new int[256]; // (byte) id of <0xXX>, or -1
    private final ChatFormat chatFormat;

    public SentencePieceTokenizer(Vocabulary vocab, boolean addBos, boolean addSpacePrefix) {
        this.vocab = vocab;
        this.addBos = addBos;
        this.addSpacePrefix = addSpacePrefix;
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocab.id(String.format("<0x%02X>", b));
        }
        this.chatFormat = ChatFormat.detect(vocab);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public boolean addBos() {
        return addBos;
    }

    @Override
    public ChatFormat chatFormat() {
        return chatFormat;
    }

    @Override
    public int[] encode(String text, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        boolean afterSpecial = true; // the start of the text counts as a boundary
        for (SpecialTokens.Fragment f : SpecialTokens.split(text, vocab, parseSpecial)) {
            if (f.isSpecial()) {
                out.add(f.specialId());
                afterSpecial = true;
            } else if (!f.text().isEmpty()) { // an empty text gets no space prefix either
                String raw = addSpacePrefix && afterSpecial ? " " + f.text() : f.text();
                encodeRaw(raw.replace(" ", SPACE), out);
                afterSpecial = false;
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeRaw(String text, List<Integer> out) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            i += Character.charCount(cp);
            int id = vocab.id(ch);
            if (id >= 0) {
                ids.add(id);
            } else { // byte fallback: one token per UTF-8 byte
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    int bt = byteTokens[b & 0xFF];
                    ids.add(bt >= 0 ? bt : Math.max(vocab.unk(), 0));
                }
            }
        }
        // Greedy merges: O(n^2) in the fragment length, fine for prompts of a few thousand chars.
        while (true) {
            float bestScore = Float.NEGATIVE_INFINITY;
            int bestIndex = -1;
            int bestId = -1;
            for (int i = 0; i + 1 < ids.size(); i++) {
                int merged = vocab.id(vocab.token(ids.get(i)) + vocab.token(ids.get(i + 1)));
                if (merged >= 0 && vocab.score(merged) > bestScore) {
                    bestScore = vocab.score(merged);
                    bestIndex = i;
                    bestId = merged;
                }
            }
            if (bestIndex < 0) {
                break;
            }
            ids.set(bestIndex, bestId);
            ids.remove(bestIndex + 1);
        }
        out.addAll(ids);
    }

    @Override
    public byte[] tokenBytes(int previous, int token) {
        int type = vocab.type(token);
        if (type == Vocabulary.TYPE_CONTROL) {
            return new byte[0];
        }
        if (type == Vocabulary.TYPE_BYTE) {
            return new byte[] {(byte) Integer.parseInt(vocab.token(token).substring(3, 5), 16)};
        }
        String piece = vocab.token(token).replace(SPACE, " ");
        // the space prefix added when encoding is not part of the text (llama2.c does the same)
        if (addSpacePrefix && previous == vocab.bos() && piece.startsWith(" ")) {
            piece = piece.substring(1);
        }
        return piece.getBytes(StandardCharsets.UTF_8);
    }
}
