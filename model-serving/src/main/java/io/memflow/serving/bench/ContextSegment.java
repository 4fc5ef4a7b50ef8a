package io.memflow.serving.bench;

import io.memflow.serving.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A stretch of consecutive turns that fits the model's context as one cache (BOS + utterance
 * tokens). A small model cannot hold a whole LoCoMo conversation, so {@code kv-bench} cuts it into
 * such segments and asks each question in the segment that holds its evidence.
 *
 * @param tokens BOS (if the model wants it) and the utterances' tokens, positions 0..
 * @param diaIds the turns inside
 */
public record ContextSegment(int[] tokens, Set<String> diaIds) {

    /** Greedy packing of whole turns, in order; a turn longer than the cap is cut. */
    public static List<ContextSegment> cut(
            List<LocomoConversation.Turn> turns, Tokenizer tokenizer, int maxTokens) {
        List<ContextSegment> out = new ArrayList<>();
        List<int[]> pieces = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int bos = tokenizer.addBos() ? 1 : 0;
        int length = bos;
        for (LocomoConversation.Turn t : turns) {
            int[] u = tokenizer.encode(t.utterance(), false);
            if (u.length > maxTokens - bos) {
                u = java.util.Arrays.copyOf(u, maxTokens - bos);
            }
            if (length + u.length > maxTokens && !pieces.isEmpty()) {
                out.add(of(pieces, ids, tokenizer, length));
                pieces = new ArrayList<>();
                ids = new HashSet<>();
                length = bos;
            }
            pieces.add(u);
            ids.add(t.diaId());
            length += u.length;
        }
        if (!pieces.isEmpty()) {
            out.add(of(pieces, ids, tokenizer, length));
        }
        return out;
    }

    private static ContextSegment of(
            List<int[]> pieces, Set<String> ids, Tokenizer tokenizer, int length) {
        int[] tokens = new int[length];
        int at = 0;
        if (tokenizer.addBos()) {
            tokens[at++] = tokenizer.vocabulary().bos();
        }
        for (int[] p : pieces) {
            System.arraycopy(p, 0, tokens, at, p.length);
            at += p.length;
        }
        return new ContextSegment(tokens, Set.copyOf(ids));
    }
}
