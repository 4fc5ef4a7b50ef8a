package io.memflow.operators.sensory;

import io.memflow.operators.text.Text;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.RecentTurn;
import io.memflow.schemas.internal.SensoryState;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Sensory memory (LightMem stage 1): drops noise before it costs anything downstream and compresses
 * what it keeps. Pure logic over an Avro {@link SensoryState}.
 *
 * <ol>
 *   <li>Content-free turns ("haha ok", "thanks!") are dropped: nothing left after removing
 *       stopwords and fillers.
 *   <li>Near-duplicates of one of the last {@code ringSize} turns are dropped (term-set similarity
 *       at or above the threshold).
 *   <li>Kept turns are compressed to about {@code keepRatio} of their tokens by deleting the
 *       lowest-scored words; protected words (numbers, dates, names, negations) always stay.
 * </ol>
 */
public final class SensoryFilter implements Serializable {
    private static final long serialVersionUID = 1L;

    static final Set<String> CONTENT_FREE =
            Set.of(
                    "haha",
                    "hahaha",
                    "lol",
                    "ok",
                    "okay",
                    "thanks",
                    "thank",
                    "thx",
                    "yeah",
                    "yes",
                    "yep",
                    "sure",
                    "cool",
                    "nice",
                    "great",
                    "awesome",
                    "wow",
                    "hi",
                    "hello",
                    "hey",
                    "bye",
                    "goodbye",
                    "good",
                    "night",
                    "morning",
                    "see",
                    "later",
                    "right",
                    "fine",
                    "alright",
                    "hmm",
                    "oh",
                    "ah",
                    "um",
                    "uh",
                    "amazing",
                    "love",
                    "lovely",
                    "sounds",
                    "totally",
                    "absolutely",
                    "definitely",
                    "agreed",
                    "true",
                    "exactly",
                    "indeed",
                    "welcome",
                    "cheers",
                    "np",
                    "k");

    /** What happened to one observation. {@code kept} is null when it was dropped. */
    public record Decision(Observation kept, String dropReason, int tokensIn, int tokensOut) {}

    private final int ringSize;
    private final double duplicateThreshold;
    private final double keepRatio;
    private final TokenScorer scorer;

    public SensoryFilter(
            int ringSize, double duplicateThreshold, double keepRatio, TokenScorer scorer) {
        this.ringSize = ringSize;
        this.duplicateThreshold = duplicateThreshold;
        this.keepRatio = keepRatio;
        this.scorer = scorer;
    }

    public static SensoryState emptyState() {
        return SensoryState.newBuilder().setRecent(new ArrayList<>()).build();
    }

    /** Decides on one observation and updates {@code state} in place. */
    public Decision process(SensoryState state, Observation obs) {
        state.setTurnsIn(state.getTurnsIn() + 1);
        List<String> tokens = Text.tokens(obs.getText());
        int tokensIn = tokens.size();
        if (isContentFree(tokens)) {
            state.setTurnsDropped(state.getTurnsDropped() + 1);
            return new Decision(null, "content-free", tokensIn, 0);
        }
        List<Integer> fp = fingerprint(obs.getText());
        for (RecentTurn r : state.getRecent()) {
            if (jaccard(fp, r.getFingerprint()) >= duplicateThreshold) {
                state.setTurnsDropped(state.getTurnsDropped() + 1);
                return new Decision(null, "near-duplicate", tokensIn, 0);
            }
        }
        List<RecentTurn> ring = new ArrayList<>(state.getRecent());
        ring.add(RecentTurn.newBuilder().setFingerprint(fp).build());
        while (ring.size() > ringSize) {
            ring.remove(0);
        }
        state.setRecent(ring);

        String compressed = compress(obs.getText());
        int tokensOut = Text.countTokens(compressed);
        Observation kept =
                Observation.newBuilder(obs)
                        .setCompressedText(compressed)
                        .setTokenCount(tokensOut)
                        .setRawTokenCount(tokensIn)
                        .build();
        return new Decision(kept, null, tokensIn, tokensOut);
    }

    static boolean isContentFree(List<String> tokens) {
        for (String t : tokens) {
            if (!CONTENT_FREE.contains(t) && !Text.STOPWORDS.contains(t)) {
                return false;
            }
        }
        return true;
    }

    /** Deletes the lowest-scored unprotected words until about keepRatio of the tokens remain. */
    public String compress(String text) {
        List<String> words = Arrays.asList(text.strip().split("\\s+"));
        int total = Text.countTokens(text);
        int target = (int) Math.ceil(keepRatio * total);
        if (total == 0 || target >= total) {
            return text.strip();
        }
        double[] scores = scorer.score(words);
        // one call for all words: a tagging scorer tags the turn once, not once per word
        boolean[] locked = scorer.protectedWords(words);
        Integer[] order = new Integer[words.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // lowest score first; ties delete later words first, which keeps sentence openings
        Arrays.sort(
                order,
                (a, b) -> scores[a] != scores[b] ? Double.compare(scores[a], scores[b]) : b - a);
        boolean[] deleted = new boolean[words.size()];
        int kept = total;
        for (int idx : order) {
            if (kept <= target) {
                break;
            }
            if (locked[idx]) {
                continue;
            }
            int n = Text.countTokens(words.get(idx));
            if (n == 0) {
                continue;
            }
            deleted[idx] = true;
            kept -= n;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words.size(); i++) {
            if (!deleted[i]) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(words.get(i));
            }
        }
        return sb.toString();
    }

    static List<Integer> fingerprint(String text) {
        int[] h =
                Text.terms(text).stream().mapToInt(String::hashCode).distinct().sorted().toArray();
        List<Integer> out = new ArrayList<>(h.length);
        for (int x : h) {
            out.add(x);
        }
        return out;
    }

    static double jaccard(List<Integer> a, List<Integer> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 1.0;
        }
        int i = 0;
        int j = 0;
        int inter = 0;
        while (i < a.size() && j < b.size()) {
            int c = Integer.compare(a.get(i), b.get(j));
            if (c == 0) {
                inter++;
                i++;
                j++;
            } else if (c < 0) {
                i++;
            } else {
                j++;
            }
        }
        return (double) inter / (a.size() + b.size() - inter);
    }
}
