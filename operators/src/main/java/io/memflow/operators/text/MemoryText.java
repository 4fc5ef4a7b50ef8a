package io.memflow.operators.text;

import io.memflow.schemas.MemoryRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The text forms of a memory. A fact is stored as {@code "speaker: statement"}; its absolute date
 * and weekday live in the record's {@code validFrom}/{@code eventTime} and are rendered in front of
 * the text whenever the memory leaves the store for a reader ({@code "[Mon 8 May 2023] Ann: moved
 * to Seattle"}), as LightMem keeps {@code time_stamp} and {@code weekday} beside the fact and
 * prints {@code "{time} {weekday} {memory}"} at retrieval. Storing the date once as a timestamp
 * instead of as four words in every entry is what keeps the store well below the raw conversation's
 * size.
 */
public final class MemoryText {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE d MMMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private MemoryText() {}

    /** The stored text of a fact: who said it, and what (already compressed). */
    public static String fact(String speaker, String statement) {
        return speaker + ": " + statement;
    }

    /**
     * What the embedder reads for a stored memory: its text without the date. Dates are matched by
     * the time filter; four date words in front of a short statement only blur its sentence vector.
     */
    public static String embedded(MemoryRecord r) {
        return r.getText();
    }

    /**
     * What the embedder reads for a turn: who said it and everything they said, before sensory
     * compression. The vector costs the same either way, and it is the vector, not the stored text,
     * that must carry the meaning compression drops.
     */
    public static String embedded(String speaker, String fullText) {
        return fact(speaker, fullText);
    }

    /** The stored text without its {@code "speaker: "} label (the text itself if it has none). */
    public static String statement(MemoryRecord r) {
        String t = r.getText();
        String who = r.getSpeaker();
        if (who != null && !who.isEmpty() && t.startsWith(who + ": ")) {
            return t.substring(who.length() + 2);
        }
        return t;
    }

    /** "Mon 8 May 2023": absolute date with weekday, UTC. */
    public static String date(long epochMillis) {
        return DATE.format(Instant.ofEpochMilli(epochMillis));
    }

    /** A record as a reader (and the ranking) sees it: dated from {@code validFrom}. */
    public static String dated(MemoryRecord r) {
        return dated(r.getValidFrom().toEpochMilli(), r.getText());
    }

    /** The text as a reader sees it: the date and weekday, then the stored text. */
    public static String dated(long epochMillis, String text) {
        return "[" + date(epochMillis) + "] " + text;
    }
}
