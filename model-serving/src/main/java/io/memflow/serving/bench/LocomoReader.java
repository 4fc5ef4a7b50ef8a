package io.memflow.serving.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the LoCoMo JSON format ({@code shared/data/LOCOMO.md}): sessions {@code session_N} in
 * numeric order (date keys without a session are ignored), turns with speaker, text and optional
 * BLIP caption, and the questions that carry an {@code answer} (adversarial ones do not). Evidence
 * ids are pulled out of the malformed variants ("D8:6; D9:17", space-separated) by pattern.
 */
public final class LocomoReader {
    private static final Pattern SESSION = Pattern.compile("session_(\\d+)");
    private static final Pattern DIA_ID = Pattern.compile("D\\d+:\\d+");

    private LocomoReader() {}

    /**
     * @throws IllegalArgumentException naming the file and the problem, for any bad input
     */
    public static List<LocomoConversation> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("LoCoMo file not found: " + file);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(
                    "not LoCoMo JSON: " + file + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException(
                    "not LoCoMo JSON: " + file + ": expected a non-empty array of samples");
        }
        List<LocomoConversation> out = new ArrayList<>();
        for (JsonNode sample : root) {
            out.add(sample(file, sample));
        }
        return out;
    }

    private static LocomoConversation sample(Path file, JsonNode sample) {
        JsonNode conv = sample.get("conversation");
        JsonNode qa = sample.get("qa");
        String id = sample.path("sample_id").asText("?");
        if (conv == null || !conv.isObject() || qa == null || !qa.isArray()) {
            throw new IllegalArgumentException(
                    "not LoCoMo JSON: " + file + ": sample " + id + " lacks conversation or qa");
        }
        Map<Integer, JsonNode> sessions = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = conv.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            Matcher m = SESSION.matcher(f.getKey());
            if (m.matches() && f.getValue().isArray()) {
                sessions.put(Integer.parseInt(m.group(1)), f.getValue());
            }
        }
        List<LocomoConversation.Turn> turns = new ArrayList<>();
        for (Map.Entry<Integer, JsonNode> s : sessions.entrySet()) {
            String date = conv.path("session_" + s.getKey() + "_date_time").asText("");
            for (JsonNode t : s.getValue()) {
                if (!t.hasNonNull("speaker") || !t.hasNonNull("text")) {
                    throw new IllegalArgumentException(
                            "not LoCoMo JSON: "
                                    + file
                                    + ": a turn of "
                                    + id
                                    + " lacks speaker or text");
                }
                JsonNode caption = t.get("blip_caption");
                turns.add(
                        new LocomoConversation.Turn(
                                t.path("dia_id").asText(""),
                                date,
                                t.get("speaker").asText(),
                                t.get("text").asText(),
                                caption == null || caption.isNull() ? null : caption.asText()));
            }
        }
        List<LocomoConversation.Question> questions = new ArrayList<>();
        for (JsonNode q : qa) {
            if (!q.hasNonNull("question") || !q.hasNonNull("answer")) {
                continue; // adversarial items carry no answer to score against
            }
            List<String> evidence = new ArrayList<>();
            for (JsonNode e : q.path("evidence")) {
                Matcher m = DIA_ID.matcher(e.asText());
                while (m.find()) {
                    evidence.add(m.group());
                }
            }
            questions.add(
                    new LocomoConversation.Question(
                            q.get("question").asText(),
                            q.get("answer").asText(),
                            evidence,
                            q.path("category").asInt(0)));
        }
        return new LocomoConversation(id, turns, questions);
    }
}
