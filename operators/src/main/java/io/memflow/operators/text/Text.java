package io.memflow.operators.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one word tokenizer of memflow: memory sizes, BM25 and the evaluation's token counts all use
 * it, so numbers from different parts are comparable. A token is a run of letters, digits and inner
 * apostrophes; everything else separates.
 */
public final class Text {

    /** English stopwords (the common NLTK list), used by BM25 and the sensory scorer. */
    public static final Set<String> STOPWORDS =
            Set.of(
                    "i",
                    "me",
                    "my",
                    "myself",
                    "we",
                    "our",
                    "ours",
                    "ourselves",
                    "you",
                    "your",
                    "yours",
                    "yourself",
                    "yourselves",
                    "he",
                    "him",
                    "his",
                    "himself",
                    "she",
                    "her",
                    "hers",
                    "herself",
                    "it",
                    "its",
                    "itself",
                    "they",
                    "them",
                    "their",
                    "theirs",
                    "themselves",
                    "what",
                    "which",
                    "who",
                    "whom",
                    "this",
                    "that",
                    "these",
                    "those",
                    "am",
                    "is",
                    "are",
                    "was",
                    "were",
                    "be",
                    "been",
                    "being",
                    "have",
                    "has",
                    "had",
                    "having",
                    "do",
                    "does",
                    "did",
                    "doing",
                    "a",
                    "an",
                    "the",
                    "and",
                    "but",
                    "if",
                    "or",
                    "because",
                    "as",
                    "until",
                    "while",
                    "of",
                    "at",
                    "by",
                    "for",
                    "with",
                    "about",
                    "against",
                    "between",
                    "into",
                    "through",
                    "during",
                    "before",
                    "after",
                    "above",
                    "below",
                    "to",
                    "from",
                    "up",
                    "down",
                    "in",
                    "out",
                    "on",
                    "off",
                    "over",
                    "under",
                    "again",
                    "further",
                    "then",
                    "once",
                    "here",
                    "there",
                    "when",
                    "where",
                    "why",
                    "how",
                    "all",
                    "any",
                    "both",
                    "each",
                    "few",
                    "more",
                    "most",
                    "other",
                    "some",
                    "such",
                    "only",
                    "own",
                    "same",
                    "so",
                    "than",
                    "too",
                    "very",
                    "s",
                    "t",
                    "can",
                    "will",
                    "just",
                    "don",
                    "should",
                    "now",
                    "d",
                    "ll",
                    "m",
                    "o",
                    "re",
                    "ve",
                    "y",
                    "ain",
                    "aren",
                    "couldn",
                    "didn",
                    "doesn",
                    "hadn",
                    "hasn",
                    "haven",
                    "isn",
                    "ma",
                    "mightn",
                    "mustn",
                    "needn",
                    "shan",
                    "shouldn",
                    "wasn",
                    "weren",
                    "won",
                    "wouldn");

    private Text() {}

    /** Lower-cased word tokens. */
    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        int n = lower.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(lower.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n
                    && (Character.isLetterOrDigit(lower.charAt(i))
                            || (lower.charAt(i) == '\''
                                    && i + 1 < n
                                    && Character.isLetterOrDigit(lower.charAt(i + 1))))) {
                i++;
            }
            if (i > start) {
                out.add(lower.substring(start, i));
            }
        }
        return out;
    }

    public static int countTokens(String text) {
        return tokens(text).size();
    }

    /** Tokens without stopwords, lightly stemmed: the terms that BM25 matches on. */
    public static List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        for (String t : tokens(text)) {
            int apo = t.indexOf('\'');
            String w = apo > 0 ? t.substring(0, apo) : t;
            if (!STOPWORDS.contains(w) && !w.isEmpty()) {
                out.add(stem(w));
            }
        }
        return out;
    }

    /**
     * A deliberately small suffix stripper (plural s, -ing, -ed): enough to match "moved" with
     * "move" and "dogs" with "dog" without the surprises of a full stemmer on names.
     */
    public static String stem(String w) {
        if (w.length() <= 3 || Character.isDigit(w.charAt(0))) {
            return w;
        }
        if (w.endsWith("ies") && w.length() > 4) {
            return w.substring(0, w.length() - 3) + "y";
        }
        if (w.endsWith("ing") && w.length() > 5) {
            return w.substring(0, w.length() - 3);
        }
        if (w.endsWith("ed") && w.length() > 4) {
            return w.substring(0, w.length() - 2);
        }
        if (w.endsWith("es") && w.length() > 4 && (w.endsWith("ches") || w.endsWith("shes"))) {
            return w.substring(0, w.length() - 2);
        }
        if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) {
            return w.substring(0, w.length() - 1);
        }
        if (w.endsWith("e") && w.length() > 4) {
            return w.substring(0, w.length() - 1);
        }
        return w;
    }
}
