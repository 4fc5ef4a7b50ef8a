package io.memflow.serving.epicache;

import io.memflow.serving.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * Tokenises an episode's patched prompt: a short instruction to re-read, then the medoid windows in
 * time order. When the whole text exceeds the token cap, every window keeps an equal share of its
 * leading tokens, so the prompt still covers the whole episode rather than its first windows only.
 */
public final class PatchedPrompt {
    /** Written for this project; asks the model to recall the episode, which is what it scores. */
    static final String INSTRUCTION =
            "\n\nRecall what was said in this part of the conversation:\n";

    private PatchedPrompt() {}

    public static int[] tokens(
            Tokenizer tokenizer, Episode episode, String[] windowTexts, int cap) {
        int[] instruction = tokenizer.encode(INSTRUCTION, false);
        int[][] windows = new int[episode.medoidWindows().length][];
        int total = instruction.length;
        for (int i = 0; i < windows.length; i++) {
            windows[i] = tokenizer.encode(windowTexts[episode.medoidWindows()[i]], false);
            total += windows[i].length;
        }
        // the instruction gets at most a quarter of the cap: the windows are what gets scored
        int head = Math.min(instruction.length, cap / 4);
        int share = Integer.MAX_VALUE;
        if (total > cap && windows.length > 0) {
            share = Math.max(1, (cap - head) / windows.length);
        }
        int[] out = Arrays.copyOf(instruction, head);
        for (int[] w : windows) {
            int take = Math.min(w.length, share);
            int at = out.length;
            out = Arrays.copyOf(out, at + take);
            System.arraycopy(w, 0, out, at, take);
        }
        return out.length > cap ? Arrays.copyOf(out, cap) : out;
    }
}
