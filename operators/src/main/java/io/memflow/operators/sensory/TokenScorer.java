package io.memflow.operators.sensory;

import java.io.Serializable;
import java.util.List;

/**
 * Scores the words of a turn for sensory compression; the lowest-scored words are deleted first. An
 * interface so that a model-based scorer (LLMLingua-2 style token classification) can replace the
 * default heuristic one. Words for which {@link #isProtected} holds are never deleted.
 */
public interface TokenScorer extends Serializable {
    /**
     * @param words the turn split on whitespace, punctuation attached
     * @return one score per word, higher = more informative
     */
    double[] score(List<String> words);

    /** Numbers, dates, names and negations: deleting them changes what the turn says. */
    boolean isProtected(List<String> words, int index);

    /** {@link #isProtected} for every word at once (a tagging scorer tags the turn only once). */
    default boolean[] protectedWords(List<String> words) {
        boolean[] out = new boolean[words.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = isProtected(words, i);
        }
        return out;
    }
}
