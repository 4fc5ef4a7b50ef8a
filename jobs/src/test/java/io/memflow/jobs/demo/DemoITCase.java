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
        // the knowledge update: the Seattle memory is the first one for "where does Maya live"
        String live = text.substring(text.indexOf("Q: Where does Maya live now?"));
        assertThat(live.lines().skip(1).findFirst().orElseThrow()).contains("Seattle");
        // the same question through serve's HTTP API ranks the same memory first
        String http = text.substring(text.indexOf("== Search over HTTP (memflow serve) =="));
        assertThat(http.lines().skip(2).findFirst().orElseThrow()).contains("Seattle");
    }
}
