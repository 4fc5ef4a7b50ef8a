package io.memflow.operators.sensory;

import io.memflow.operators.text.Text;
import java.util.Locale;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * What a word contributes to a stored fact, in the order sensory compression deletes words: the
 * first classes carry no answer words and nothing a reader needs once the fact is stored as {@code
 * "Speaker: statement"} with its date; the last ones carry the facts (objects, actions,
 * attributes). Compression deletes a whole class before it touches the next one, so a content word
 * goes only when the keep-ratio cannot be met with function words alone.
 *
 * <ol>
 *   <li>{@link #FILLER}: interjections, greetings, discourse fillers, intensifiers ("um", "hey",
 *       "thanks", "really", "just", "so", "very").
 *   <li>{@link #ARTICLE}: articles and demonstratives, and the impersonal "it" (SQuAD's answer
 *       normalisation ignores articles too).
 *   <li>{@link #SPEAKER}: first-person pronouns, resolved by the speaker the fact is stored under
 *       ("Maya: moved to Seattle" says who "I" was), and auxiliaries (tense lives in the date).
 *   <li>{@link #CLAUSE}: clause glue: subordinators, the infinitive "to", "but", wh-words, modals.
 *   <li>{@link #RELATION}: words that relate content words: prepositions ("moved from" vs "moved
 *       to"), coordinators ("clarinet and violin"), quantifiers ("each day"), and second- and
 *       third-person pronouns (deleting "your" would misattribute the fact to the speaker).
 *   <li>{@link #MODIFIER}: other adverbs ("lately", "together", "even").
 *   <li>{@link #CONTENT}: nouns, verbs, adjectives; proper nouns and numbers are also protected.
 * </ol>
 */
public enum WordClass {
    FILLER,
    ARTICLE,
    SPEAKER,
    CLAUSE,
    RELATION,
    MODIFIER,
    CONTENT;

    static final Set<String> FILLERS =
            Set.of(
                    "um",
                    "uh",
                    "er",
                    "erm",
                    "oh",
                    "ah",
                    "aw",
                    "aww",
                    "hmm",
                    "mm",
                    "haha",
                    "hahaha",
                    "hehe",
                    "lol",
                    "omg",
                    "yeah",
                    "yep",
                    "yup",
                    "yes",
                    "yay",
                    "woohoo",
                    "wow",
                    "whoa",
                    "hey",
                    "hi",
                    "hello",
                    "hiya",
                    "okay",
                    "ok",
                    "thanks",
                    "thank",
                    "thx",
                    "bye",
                    "goodbye",
                    "congrats",
                    "please",
                    "really",
                    "actually",
                    "basically",
                    "literally",
                    "totally",
                    "just",
                    "so",
                    "very",
                    "quite",
                    "kinda",
                    "sorta",
                    "definitely",
                    "absolutely",
                    "honestly",
                    "anyway",
                    "anyways");

    /** Fillers only as interjections: "like" and "well" are content in "people like me". */
    static final Set<String> INTERJECTION_ONLY = Set.of("like", "well");

    static final Set<String> ARTICLES =
            Set.of("a", "an", "the", "this", "that", "these", "those", "it", "its", "itself");

    static final Set<String> FIRST_PERSON =
            Set.of("i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves");

    static final Set<String> AUXILIARIES =
            Set.of(
                    "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had",
                    "having", "do", "does", "did", "doing", "s", "m", "re", "ve", "d", "ll");

    static final Set<String> CLAUSE_WORDS =
            Set.of(
                    "but",
                    "if",
                    "because",
                    "until",
                    "while",
                    "than",
                    "then",
                    "what",
                    "which",
                    "who",
                    "whom",
                    "whose",
                    "when",
                    "where",
                    "why",
                    "how",
                    "there",
                    "here",
                    "will",
                    "would",
                    "can",
                    "could",
                    "should",
                    "shall",
                    "might",
                    "must",
                    "also",
                    "too",
                    "again",
                    "once",
                    "now",
                    "still",
                    "though",
                    "although");

    /** Prepositions or clause glue depending on their part of speech. */
    static final Set<String> BY_TAG = Set.of("to", "as");

    static final Set<String> RELATION_WORDS =
            Set.of(
                    "and",
                    "or",
                    "nor",
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
                    "from",
                    "up",
                    "down",
                    "in",
                    "out",
                    "on",
                    "off",
                    "over",
                    "under",
                    "around",
                    "near",
                    "some",
                    "any",
                    "all",
                    "each",
                    "every",
                    "both",
                    "few",
                    "many",
                    "much",
                    "more",
                    "most",
                    "other",
                    "another",
                    "such",
                    "own",
                    "same",
                    "only",
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
                    "they",
                    "them",
                    "their",
                    "theirs",
                    "themselves");

    /** Closed-class words beyond the lists above and the stopwords. */
    static final Set<String> OTHER_FUNCTION_WORDS =
            Set.of(
                    "towards",
                    "toward",
                    "across",
                    "along",
                    "among",
                    "amongst",
                    "within",
                    "upon",
                    "onto",
                    "via",
                    "per",
                    "like",
                    "since",
                    "despite",
                    "beside",
                    "besides",
                    "behind",
                    "beyond",
                    "inside",
                    "outside",
                    "past",
                    "except",
                    "unlike",
                    "around",
                    "near",
                    "every",
                    "either",
                    "neither",
                    "whether",
                    "unless",
                    "whereas",
                    "yet",
                    "plus",
                    "several",
                    "whatever",
                    "whoever",
                    "whichever",
                    "something",
                    "someone",
                    "somebody",
                    "anything",
                    "anyone",
                    "anybody",
                    "everything",
                    "everyone",
                    "everybody",
                    "nothing",
                    "nobody",
                    "one",
                    "ones",
                    "let",
                    "may",
                    "might",
                    "must",
                    "shall",
                    "would",
                    "could",
                    "ought",
                    "gonna",
                    "wanna",
                    "gotta");

    static boolean isFunctionWord(String w) {
        return Text.STOPWORDS.contains(w)
                || CLAUSE_WORDS.contains(w)
                || RELATION_WORDS.contains(w)
                || OTHER_FUNCTION_WORDS.contains(w)
                || BY_TAG.contains(w);
    }

    /**
     * The class of one word.
     *
     * @param core the word's lower-cased tokens joined ({@link HeuristicTokenScorer#core})
     * @param tag its Universal Dependencies part of speech, or null without a tagger
     */
    public static WordClass of(String core, @Nullable String tag) {
        String w = core.toLowerCase(Locale.ROOT).replace('’', '\'');
        int apo = w.indexOf('\'');
        // a contraction counts as its first part: "I'm" and "I've" are first person, "it's" an
        // article; negated ones ("don't") are protected elsewhere
        String head = apo > 0 ? w.substring(0, apo) : w;
        if ("INTJ".equals(tag) || FILLERS.contains(w)) {
            return FILLER;
        }
        if (INTERJECTION_ONLY.contains(w) && tag == null) {
            return CLAUSE;
        }
        if (ARTICLES.contains(head)) {
            return ARTICLE;
        }
        if (FIRST_PERSON.contains(head)) {
            return SPEAKER;
        }
        if (AUXILIARIES.contains(w) && (tag == null || "AUX".equals(tag))) {
            return SPEAKER;
        }
        if (BY_TAG.contains(w) && tag != null) {
            // "to Seattle" relates, "to help" is an infinitive; "work as a nurse" vs "as I said"
            return "ADP".equals(tag) ? RELATION : CLAUSE;
        }
        // function words are a closed class: a tagger that calls an unknown word ("fado") an
        // adposition or a determiner is wrong, and the word is content
        boolean closed = isFunctionWord(head);
        if (BY_TAG.contains(w)
                || CLAUSE_WORDS.contains(head)
                || (closed
                        && ("SCONJ".equals(tag)
                                || "PART".equals(tag)
                                || ("AUX".equals(tag) && !AUXILIARIES.contains(w))))) {
            return CLAUSE;
        }
        if (RELATION_WORDS.contains(head)
                || (closed
                        && ("ADP".equals(tag)
                                || "CCONJ".equals(tag)
                                || "DET".equals(tag)
                                || "PRON".equals(tag)))) {
            return RELATION;
        }
        if ("ADV".equals(tag)) {
            return MODIFIER;
        }
        return CONTENT;
    }

    /**
     * A word's deletion rank for {@link TokenScorer#score}: its class, and within the modifier and
     * content classes longer words (rarer in English) higher. Within the other classes all words
     * tie, and the filter deletes later ones first.
     */
    public static double rank(String core, @Nullable String tag) {
        if (core.isEmpty()) {
            return 0.0;
        }
        WordClass c = of(core, tag);
        double rank = 1.0 + c.ordinal();
        if (c == MODIFIER || c == CONTENT) {
            rank += Math.min(core.length(), 12) / 13.0;
        }
        return rank;
    }
}
