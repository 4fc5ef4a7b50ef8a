package io.memflow.operators.sensory;

import io.memflow.operators.text.Text;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Default scorer without a model: stopwords and fillers score low, content words by length (a cheap
 * proxy for rarity: long words are rarer in English), and protected words are never deleted.
 * Protected: anything with a digit, month and weekday names, capitalized words that do not start a
 * sentence (names), and negations.
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
    static final Set<String> FILLERS =
            Set.of(
                    "um",
                    "uh",
                    "oh",
                    "ah",
                    "hmm",
                    "well",
                    "like",
                    "really",
                    "actually",
                    "basically",
                    "literally",
                    "totally",
                    "just",
                    "so",
                    "yeah",
                    "wow",
                    "haha",
                    "lol",
                    "hey",
                    "okay",
                    "ok");

    @Override
    public double[] score(List<String> words) {
        double[] s = new double[words.size()];
        for (int i = 0; i < s.length; i++) {
            String core = core(words.get(i));
            if (core.isEmpty()) {
                s[i] = 0.0;
            } else if (FILLERS.contains(core)) {
                s[i] = 0.05;
            } else if (Text.STOPWORDS.contains(core)) {
                s[i] = 0.1 + 0.01 * core.length();
            } else {
                s[i] = 1.0 + Math.min(core.length(), 12) / 12.0;
            }
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
        if (NEGATIONS.contains(core) || core.endsWith("n't") || CALENDAR.contains(core)) {
            return true;
        }
        char first = firstLetter(w);
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
