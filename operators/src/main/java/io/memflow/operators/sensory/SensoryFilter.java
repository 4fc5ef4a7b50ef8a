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
 *   <li>Content-free turns ("haha ok", "thanks!", "Hello Maya, how was your day?") are dropped:
 *       nothing left after removing stopwords, fillers, small talk and the name a greeting
 *       addresses.
 *   <li>Near-duplicates of one of the last {@code ringSize} turns are dropped (term-set similarity
 *       at or above the threshold).
 *   <li>Kept turns are compressed to about {@code keepRatio} of their tokens by deleting the
 *       lowest-scored words, a whole {@link WordClass} (fillers, articles, first-person pronouns
 *       and auxiliaries, clause glue, relation words, adverbs) before the next, content words last;
 *       protected words (numbers, dates, names, negations) always stay.
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

    /**
     * Small talk around a greeting ("how was your day", "good to see you", "long time", "take
     * care"): content-free only together, in a turn with nothing else.
     */
    static final Set<String> PLEASANTRIES =
            Set.of(
                    "hiya",
                    "howdy",
                    "yo",
                    "dear",
                    "evening",
                    "afternoon",
                    "congrats",
                    "congratulations",
                    "day",
                    "doing",
                    "going",
                    "things",
                    "everything",
                    "anything",
                    "new",
                    "meet",
                    "hope",
                    "glad",
                    "happy",
                    "hear",
                    "well",
                    "long",
                    "time",
                    "soon",
                    "back",
                    "chat",
                    "talk",
                    "take",
                    "care");

    /** Words after which a capitalized word is the addressee's name ("Hello Maya"). */
    static final Set<String> GREETINGS =
            Set.of(
                    "hi",
                    "hello",
                    "hey",
                    "hiya",
                    "howdy",
                    "yo",
                    "dear",
                    "thanks",
                    "thank",
                    "bye",
                    "goodbye",
                    "morning",
                    "evening",
                    "afternoon",
                    "night",
                    "welcome",
                    "congrats",
                    "congratulations");

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
        int tokensIn = Text.countTokens(obs.getText());
        if (isContentFree(obs.getText())) {
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

    /**
     * Nothing but acknowledgements, greetings and small talk: every word is a stopword, a
     * content-free word or a pleasantry, or, in a turn with a greeting word, the name of whoever it
     * addresses ("Hello Maya, how was your day?" says nothing about Maya).
     */
    static boolean isContentFree(String text) {
        String[] words = text.strip().split("\\s+");
        // a name is small talk only in a greeting: "Seattle!" alone answers a question
        boolean greeting = false;
        for (String t : Text.tokens(text)) {
            greeting |= GREETINGS.contains(t);
        }
        for (int i = 0; i < words.length; i++) {
            List<String> tokens = Text.tokens(words[i]);
            if (tokens.isEmpty() || (greeting && isAddressee(words, i))) {
                continue;
            }
            for (String t : tokens) {
                if (!isSmallTalk(t)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isSmallTalk(String token) {
        int apo = token.indexOf('\'');
        // "what's", "how's", "you're": a stopword with a clitic
        String w = apo > 0 ? token.substring(0, apo) : token;
        return CONTENT_FREE.contains(w) || PLEASANTRIES.contains(w) || Text.STOPWORDS.contains(w);
    }

    /**
     * A capitalized word in the vocative: right after a greeting word, a comma or the start of a
     * sentence, and closing its phrase (followed by punctuation or the end of the turn).
     */
    static boolean isAddressee(String[] words, int i) {
        String w = words[i];
        if (w.isEmpty() || !Character.isUpperCase(w.charAt(0))) {
            return false;
        }
        List<String> tokens = Text.tokens(w);
        if (tokens.size() != 1 || tokens.get(0).indexOf('\'') >= 0) {
            return false;
        }
        char last = w.charAt(w.length() - 1);
        boolean closes = i == words.length - 1 || ",!?.:;".indexOf(last) >= 0;
        if (!closes) {
            return false;
        }
        if (i == 0) {
            return true;
        }
        String prev = words[i - 1];
        char end = prev.charAt(prev.length() - 1);
        List<String> p = Text.tokens(prev);
        return ",!?.".indexOf(end) >= 0 || (p.size() == 1 && GREETINGS.contains(p.get(0)));
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
