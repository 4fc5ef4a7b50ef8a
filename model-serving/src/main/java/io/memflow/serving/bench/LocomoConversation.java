package io.memflow.serving.bench;

import java.util.List;

/**
 * One LoCoMo sample reduced to what {@code kv-bench} needs: the turns in order and the answerable
 * questions.
 */
public record LocomoConversation(String sampleId, List<Turn> turns, List<Question> questions) {

    /**
     * One turn. {@code caption} is the BLIP caption of a shared image, or null.
     *
     * @param diaId "D&lt;session&gt;:&lt;turn&gt;"
     */
    public record Turn(String diaId, String dateTime, String speaker, String text, String caption) {

        /** The utterance as EpiCache's reference formats it, the image described in brackets. */
        public String utterance() {
            String shared = caption == null ? "" : " [shares " + caption + "]";
            return speaker + " said, \"" + text + shared + "\"\n";
        }
    }

    /** A question with a gold answer; {@code evidence} holds well-formed dia ids only. */
    public record Question(String question, String answer, List<String> evidence, int category) {}
}
