package io.memflow.jobs.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.jobs.cli.CliException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * Reads a LoCoMo file (Maharana et al., ACL 2024; format in {@code shared/data/LOCOMO.md}): a JSON
 * array of samples, each with {@code session_N} turn lists and {@code session_N_date_time} strings
 * ("1:56 pm on 8 May, 2023", no zone: read as UTC), and QA items. Sessions are found by their turn
 * lists, not their date keys (conv-26 has surplus date keys). Image turns carry their BLIP caption,
 * which becomes part of the turn's text ("… [shares: a photo of …]"). Malformed evidence ids are
 * repaired ({@link #repairEvidence}); ids that name no turn are dropped and counted.
 */
public final class Locomo {
    private Locomo() {}

    /** One turn; {@code caption} is the BLIP caption of a shared image, if any. */
    public record Turn(
            String diaId, String speaker, String text, @Nullable String caption, Instant time) {
        /** The text as ingested: the utterance plus the shared image's caption. */
        public String fullText() {
            return caption == null ? text : text + " [shares: " + caption + "]";
        }

        /** "speaker: text [shares: caption]": the chunk of the naive-RAG baseline. */
        public String chunk() {
            return speaker + ": " + fullText();
        }
    }

    public record Session(int number, String dateText, Instant time, List<Turn> turns) {}

    /**
     * A QA item. {@code answer} is null for adversarial items (which carry only a trap answer);
     * {@code evidence} is repaired and keeps only ids of existing turns.
     */
    public record Question(
            int index,
            String question,
            @Nullable String answer,
            int category,
            List<String> rawEvidence,
            List<String> evidence) {

        /** Scored: categories 1-4, with an answer and at least one existing evidence turn. */
        public boolean scored() {
            return category >= 1 && category <= 4 && answer != null && !evidence.isEmpty();
        }
    }

    public record Conversation(
            String sampleId,
            String speakerA,
            String speakerB,
            List<Session> sessions,
            List<Question> questions) {
        public List<Turn> turns() {
            List<Turn> out = new ArrayList<>();
            sessions.forEach(s -> out.addAll(s.turns()));
            return out;
        }

        /** When the questions are asked: a day after the last session. */
        public Instant queryTime() {
            return sessions.get(sessions.size() - 1).time().plusSeconds(86_400);
        }
    }

    /** Seconds between consecutive turns of a session (turns carry no time of their own). */
    static final int TURN_SPACING_SECONDS = 30;

    static final DateTimeFormatter SESSION_DATE =
            new DateTimeFormatterBuilder()
                    .parseCaseInsensitive()
                    .appendPattern("h:mm a 'on' d MMMM, yyyy")
                    .toFormatter(Locale.ENGLISH);

    private static final Pattern DIA_ID = Pattern.compile("D:?(\\d+):(\\d+)");

    public static List<Conversation> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CliException(
                    "no such LoCoMo file: " + file + " (pass --locomo path/to/locomo.json)");
        }
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (!root.isArray()) {
            throw new CliException(
                    file + " is not a LoCoMo file: expected a JSON array of samples");
        }
        List<Conversation> out = new ArrayList<>();
        for (JsonNode sample : root) {
            out.add(conversation(sample));
        }
        return out;
    }

    static Conversation conversation(JsonNode sample) {
        String id = sample.path("sample_id").asText();
        JsonNode conv = sample.path("conversation");
        List<Session> sessions = new ArrayList<>();
        Set<String> diaIds = new LinkedHashSet<>();
        for (int n = 1; conv.has("session_" + n); n++) {
            String date = conv.path("session_" + n + "_date_time").asText();
            Instant start = parseDate(id, n, date);
            List<Turn> turns = new ArrayList<>();
            int i = 0;
            for (JsonNode t : conv.get("session_" + n)) {
                String caption =
                        t.hasNonNull("blip_caption") ? t.get("blip_caption").asText() : null;
                turns.add(
                        new Turn(
                                t.path("dia_id").asText(),
                                t.path("speaker").asText(),
                                t.path("text").asText(),
                                caption,
                                start.plusSeconds((long) TURN_SPACING_SECONDS * i++)));
                diaIds.add(t.path("dia_id").asText());
            }
            sessions.add(new Session(n, date, start, turns));
        }
        if (sessions.isEmpty()) {
            throw new CliException("LoCoMo sample " + id + " has no session_1");
        }
        List<Question> questions = new ArrayList<>();
        int index = 0;
        for (JsonNode qa : sample.path("qa")) {
            List<String> raw = new ArrayList<>();
            qa.path("evidence").forEach(e -> raw.add(e.asText()));
            List<String> evidence = new ArrayList<>();
            for (String e : repairEvidence(raw)) {
                if (diaIds.contains(e)) {
                    evidence.add(e);
                }
            }
            JsonNode answer = qa.get("answer");
            questions.add(
                    new Question(
                            index++,
                            qa.path("question").asText(),
                            answer == null || answer.isNull() ? null : answer.asText(),
                            qa.path("category").asInt(),
                            raw,
                            evidence));
        }
        return new Conversation(
                id,
                conv.path("speaker_a").asText(),
                conv.path("speaker_b").asText(),
                sessions,
                questions);
    }

    private static Instant parseDate(String id, int n, String date) {
        try {
            return LocalDateTime.parse(date.trim(), SESSION_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new CliException(
                    "LoCoMo sample "
                            + id
                            + " session_"
                            + n
                            + "_date_time '"
                            + date
                            + "' is not like '1:56 pm on 8 May, 2023'");
        }
    }

    /**
     * Repairs evidence ids as found in LoCoMo: several ids in one string ("D8:6; D9:17", "D9:1
     * D4:4"), a stray colon ("D:11:26" → D11:26), zero-padded numbers ("D30:05" → D30:5). Pieces
     * that are no id at all ("D") are dropped. Order is kept, duplicates removed.
     */
    public static List<String> repairEvidence(List<String> raw) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : raw) {
            for (String piece : s.split("[;,\\s]+")) {
                Matcher m = DIA_ID.matcher(piece.trim());
                if (m.matches()) {
                    out.add(
                            "D"
                                    + Integer.parseInt(m.group(1))
                                    + ":"
                                    + Integer.parseInt(m.group(2)));
                }
            }
        }
        return new ArrayList<>(out);
    }
}
