package io.memflow.jobs.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The evaluation's metrics, as docs/ARCHITECTURE.md §7 and docs/EVALUATION.md define them (pure
 * functions).
 *
 * <ul>
 *   <li>{@link #recall}: share of a question's evidence turn ids covered by the provenance of the
 *       top-k retrieved items.
 *   <li>{@link #answerRecall}: share of the gold answer's normalised tokens that occur as whole
 *       tokens in the text of the top-k items. Normalisation is SQuAD's: lower case, punctuation
 *       removed, the articles a/an/the removed, split on white space.
 * </ul>
 */
public final class Metrics {
    private Metrics() {}

    private static final Set<String> ARTICLES = Set.of("a", "an", "the");

    /**
     * @param provenance the source turn ids of each retrieved item, best first
     */
    public static double recall(
            List<? extends Collection<String>> provenance, Set<String> evidence, int k) {
        if (evidence.isEmpty()) {
            throw new IllegalArgumentException("recall needs at least one evidence id");
        }
        Set<String> covered = new HashSet<>();
        for (Collection<String> p : provenance.subList(0, Math.min(k, provenance.size()))) {
            covered.addAll(p);
        }
        int hit = 0;
        for (String e : evidence) {
            if (covered.contains(e)) {
                hit++;
            }
        }
        return (double) hit / evidence.size();
    }

    /** Answer recall of the top-k texts (each already carrying what the system shows). */
    public static double answerRecall(List<String> texts, String answer, int k) {
        Set<String> gold = new LinkedHashSet<>(normalize(answer));
        if (gold.isEmpty()) {
            return 0.0;
        }
        Set<String> seen = new HashSet<>();
        for (String t : texts.subList(0, Math.min(k, texts.size()))) {
            seen.addAll(normalize(t));
        }
        int hit = 0;
        for (String g : gold) {
            if (seen.contains(g)) {
                hit++;
            }
        }
        return (double) hit / gold.size();
    }

    /**
     * SQuAD token F1 of a generated answer against the gold answer, both {@link #normalize}d: the
     * harmonic mean of the shares of shared tokens (counted with multiplicity) in each.
     */
    public static double tokenF1(String prediction, String gold) {
        List<String> p = normalize(prediction == null ? "" : prediction);
        List<String> g = normalize(gold == null ? "" : gold);
        if (p.isEmpty() || g.isEmpty()) {
            return p.isEmpty() && g.isEmpty() ? 1.0 : 0.0;
        }
        java.util.Map<String, Integer> left = new java.util.HashMap<>();
        for (String t : g) {
            left.merge(t, 1, Integer::sum);
        }
        int common = 0;
        for (String t : p) {
            Integer n = left.get(t);
            if (n != null && n > 0) {
                left.put(t, n - 1);
                common++;
            }
        }
        if (common == 0) {
            return 0.0;
        }
        double precision = (double) common / p.size();
        double recall = (double) common / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** SQuAD normalisation: lower case, drop punctuation, drop articles, split on white space. */
    public static List<String> normalize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c) || Character.isWhitespace(c)) {
                b.append(c);
            } else if (!isPunctuation(c)) {
                b.append(' ');
            }
        }
        List<String> out = new ArrayList<>();
        for (String w : b.toString().split("\\s+")) {
            if (!w.isEmpty() && !ARTICLES.contains(w)) {
                out.add(w);
            }
        }
        return out;
    }

    private static boolean isPunctuation(char c) {
        int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION
                || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION
                || t == Character.MATH_SYMBOL
                || t == Character.CURRENCY_SYMBOL
                || t == Character.MODIFIER_SYMBOL;
    }

    /** Nearest-rank percentile (p in 0..100) of the values; 0 for none. */
    public static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return 0.0;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }
}
