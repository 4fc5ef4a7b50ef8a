package io.memflow.operators.consolidate;

import java.util.Locale;
import java.util.Map;

/**
 * Resolves the first-person singular of a statement to its speaker, word for word, so that a fact
 * read on its own says whose it is: {@code "I moved to Seattle"} said by Maya becomes {@code "Maya
 * moved to Seattle"}, {@code "my sister"} becomes {@code "Maya's sister"}, {@code "I'm allergic"}
 * becomes {@code "Maya's allergic"}. Each replacement is one token for one token (the stored size
 * does not change). "We", "our" and "us" are left alone: they name a group the speaker belongs to,
 * not the speaker. Second and third person are left alone too: who "you" is needs the conversation,
 * and a wrong guess would misattribute a fact.
 */
public final class SpeakerResolver {
    private SpeakerResolver() {}

    /** First-person form (lower case, straight apostrophe) to its suffix after the name. */
    private static final Map<String, String> FORMS =
            Map.of(
                    "i", "",
                    "me", "",
                    "myself", "",
                    "my", "'s",
                    "mine", "'s",
                    "i'm", "'s",
                    "i've", "'s",
                    "i'll", "'ll",
                    "i'd", "'d");

    /**
     * {@code statement} with its first-person singular words replaced by {@code speaker}; the
     * statement unchanged when the speaker is not a single capitalized name (an id, a role).
     */
    public static String resolve(String speaker, String statement) {
        if (!isName(speaker)) {
            return statement;
        }
        String[] words = statement.split(" ", -1);
        StringBuilder out = new StringBuilder(statement.length() + 16);
        for (int i = 0; i < words.length; i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(resolveWord(speaker, words[i]));
        }
        return out.toString();
    }

    private static String resolveWord(String speaker, String word) {
        int start = 0;
        int end = word.length();
        while (start < end && !Character.isLetter(word.charAt(start))) {
            start++;
        }
        while (end > start && !Character.isLetter(word.charAt(end - 1))) {
            end--;
        }
        if (start >= end) {
            return word;
        }
        String core = word.substring(start, end).replace('’', '\'').toLowerCase(Locale.ROOT);
        String suffix = FORMS.get(core);
        if (suffix == null) {
            return word;
        }
        return word.substring(0, start) + speaker + suffix + word.substring(end);
    }

    /** One word, starting with an upper-case letter, letters (and inner - ' .) only. */
    static boolean isName(String speaker) {
        if (speaker == null
                || speaker.isEmpty()
                || !Character.isUpperCase(speaker.charAt(0))
                || speaker.length() > 40) {
            return false;
        }
        for (int i = 0; i < speaker.length(); i++) {
            char c = speaker.charAt(i);
            if (!Character.isLetter(c) && c != '-' && c != '\'' && c != '.') {
                return false;
            }
        }
        return true;
    }
}
