package io.memflow.operators.sensory;

import io.memflow.operators.text.Text;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Scorer without a model: each word's {@link WordClass} from word lists alone (no part-of-speech
 * tags), content words by length within their class (a cheap proxy for rarity: long words are rarer
 * in English), and protected words are never deleted. Protected: anything with a digit, month and
 * weekday names, capitalized words that do not start a sentence (names), and negations.
 */
public class HeuristicTokenScorer implements TokenScorer {
    private static final long serialVersionUID = 1L;

    static final Set<String> NEGATIONS =
            Set.of("not", "no", "never", "nor", "none", "nothing", "without", "cannot", "neither");
    static final Set<String> CALENDAR =
            Set.of(
                    "january",
                    "february",
                    "march",
                    "april",
                    "may",
                    "june",
                    "july",
                    "august",
                    "september",
                    "october",
                    "november",
                    "december",
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                    "today",
                    "yesterday",
                    "tomorrow",
                    "tonight",
                    "week",
                    "weekend",
                    "month",
                    "year",
                    "last",
                    "next",
                    "ago");

    @Override
    public double[] score(List<String> words) {
        double[] s = new double[words.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = WordClass.rank(core(words.get(i)), null);
        }
        return s;
    }

    @Override
    public boolean isProtected(List<String> words, int index) {
        String w = words.get(index);
        String core = core(w);
        if (core.isEmpty()) {
            return false;
        }
        for (int i = 0; i < w.length(); i++) {
            if (Character.isDigit(w.charAt(i))) {
                return true;
            }
        }
        char first = firstLetter(w);
        if (NEGATIONS.contains(core) || core.endsWith("n't")) {
            return true;
        }
        if (CALENDAR.contains(core)) {
            // "may" is a month only when capitalized; lower case it is a modal
            return !core.equals("may") || Character.isUpperCase(first);
        }
        boolean sentenceStart = index == 0 || endsSentence(words.get(index - 1));
        return Character.isUpperCase(first) && !sentenceStart && !core.equals("i");
    }

    static String core(String word) {
        List<String> t = Text.tokens(word);
        return t.isEmpty() ? "" : String.join("", t).toLowerCase(Locale.ROOT);
    }

    private static char firstLetter(String w) {
        for (int i = 0; i < w.length(); i++) {
            if (Character.isLetter(w.charAt(i))) {
                return w.charAt(i);
            }
        }
        return ' ';
    }

    private static boolean endsSentence(String w) {
        return w.endsWith(".") || w.endsWith("!") || w.endsWith("?");
    }
}
