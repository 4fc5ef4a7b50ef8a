package io.memflow.operators.consolidate;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the slot a first-person statement fills ("I live in Boston" fills {@code residence}), so
 * that a later statement for the same slot can supersede it. Rule-based and conservative: a
 * statement that matches no rule has no subject and is never superseded, only merged.
 */
public final class SubjectExtractor implements Serializable {
    private static final long serialVersionUID = 1L;

    private record Rule(String slot, Pattern pattern) implements Serializable {}

    private static final List<Rule> RULES =
            List.of(
                    rule(
                            "residence",
                            "\\b(i|we)\\s+(just\\s+|recently\\s+|finally\\s+)?(live|lived|am living|'m living|are living|'re living|moved|relocated|settled)\\s+(in|to)\\b"),
                    rule("residence", "\\bmy (new )?(home|place|apartment|house) is in\\b"),
                    rule(
                            "job",
                            "\\b(i|i'm|i am)\\s+(just\\s+)?(work|working|started working|got a job|took a job|joined)\\s+(at|for|as)\\b"),
                    rule("job", "\\b(my new job|new job as|i'm now a|i am now a|my job is)\\b"),
                    rule(
                            "relationship",
                            "\\b(my (boyfriend|girlfriend|partner|husband|wife) is|i('m| am) (single|married|engaged|divorced))\\b"),
                    rule("pet", "\\b(i|we) (have|got|adopted) a (new )?(dog|cat|puppy|kitten)\\b"));

    private static Rule rule(String slot, String regex) {
        return new Rule(slot, Pattern.compile(regex, Pattern.CASE_INSENSITIVE));
    }

    /** The subject key {@code speaker|slot}, or null. */
    public String subject(String speaker, String text) {
        String t = text.toLowerCase(Locale.ROOT).replace('’', '\'');
        for (Rule r : RULES) {
            Matcher m = r.pattern().matcher(t);
            if (m.find()) {
                return speaker.toLowerCase(Locale.ROOT) + "|" + r.slot();
            }
        }
        return null;
    }
}
