package io.memflow.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's promise: `demo --model stories260K.gguf` runs the whole system (its own broker and
 * MiniCluster) and prints memories, answers with provenance, generated text and the KV budget.
 */
class DemoITCase {
    @Test
    void demoWithAModelAnswersEveryQuestionWithGeneratedText() throws Exception {
        Path model = SharedData.storiesModel();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            rc = new DemoRunner(out, 0, model).run();
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(text).isZero();
        assertThat(text)
                .contains("== Memories")
                .contains("== Answers ==")
                .contains("== KV cache (EpiCache)")
                .contains("== Summary: 25 turns in");
        assertThat(text.lines().filter(l -> l.strip().startsWith("generated:")))
                .hasSize(5)
                .noneMatch(l -> l.contains("(none)"));
        // each question ranks the memory that answers it first (its source turn)
        String[][] expected = {
            {"Where does Maya live now?", "(turns s3:17)"}, // Seattle, above the superseded Boston
            {"What is Maya's job?", "(turns s3:19)"},
            {"What is the name of Maya's dog?", "(turns s1:6)"},
            {"Where did Maya travel in May?", "(turns s4:22)"},
            {"What is Maya allergic to?", "(turns s1:8)"}
        };
        for (String[] e : expected) {
            String answer = text.substring(text.indexOf("Q: " + e[0]));
            assertThat(answer.lines().skip(1).findFirst().orElseThrow()).as(e[0]).contains(e[1]);
        }
        // the knowledge update: Seattle first, the superseded Boston below it
        String live = text.substring(text.indexOf("Q: Where does Maya live now?"));
        assertThat(live.lines().skip(1).findFirst().orElseThrow()).contains("Seattle");
        assertThat(live.lines().skip(1).limit(3).filter(l -> l.contains("Boston")))
                .allMatch(l -> l.contains("SUPERSEDED"));
        // the same question through serve's HTTP API ranks the same memory first
        String http = text.substring(text.indexOf("== Search over HTTP (memflow serve) =="));
        assertThat(http.lines().skip(2).findFirst().orElseThrow()).contains("Seattle");
    }
}
