package io.memflow.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.jobs.SharedData;
import io.memflow.jobs.cli.MemflowCli;
import io.memflow.jobs.modelserver.ModelServer;
import io.memflow.operators.remote.AnswerPrompt;
import io.memflow.serving.model.LlamaEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code eval --answer-endpoint --judge-endpoint} against {@code serve-model} (stories260K) on the
 * first conversation of the LoCoMo dev file: the report carries answerF1 and judgedAccuracy per
 * system and category, and its call counts match what the server saw. The numbers mean nothing with
 * this model; the path is what is tested.
 */
class EvalJudgedITCase {
    /** Scored questions answered per system: enough to cover several categories, quick. */
    private static final int LIMIT = 40;

    @Test
    void answersAndJudgesEveryScoredQuestionOfEverySystem() throws Exception {
        String shared = System.getProperty("memflow.shared.dir");
        assertThat(shared).as("system property memflow.shared.dir (set by the build)").isNotNull();
        Path dev = Path.of(shared, "data", "locomo-dev.json");
        assertThat(Files.isRegularFile(dev)).as(dev + " (shared test data)").isTrue();
        AtomicLong answers = new AtomicLong();
        AtomicLong judgements = new AtomicLong();
        Path out = Files.createTempDirectory("memflow-eval-judged");
        try (LlamaEngine engine = LlamaEngine.open(SharedData.storiesModel(), 1);
                ModelServer server =
                        new ModelServer(
                                        engine,
                                        "stories260K",
                                        b -> {
                                            String system = b.at("/messages/0/content").asText();
                                            if (AnswerPrompt.SYSTEM.equals(system)) {
                                                answers.incrementAndGet();
                                            } else if (JudgedAnswers.JUDGE_SYSTEM.equals(system)) {
                                                judgements.incrementAndGet();
                                            }
                                        })
                                .start("127.0.0.1", 0)) {
            String url = "http://127.0.0.1:" + server.port() + "/v1";
            int code =
                    MemflowCli.execute(
                            "eval",
                            "--locomo",
                            dev.toString(),
                            "--out",
                            out.toString(),
                            "--limit-conversations",
                            "1",
                            "--k",
                            "2",
                            "--answer-endpoint",
                            url,
                            "--judge-endpoint",
                            url,
                            "--answer-limit",
                            String.valueOf(LIMIT));
            assertThat(code).isZero();
        }
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        long calls = 0;
        long judged = 0;
        for (String system : new String[] {"memflow", "naive-rag", "full-text"}) {
            JsonNode s = findSystem(report, system);
            assertThat(s.path("answerF1").isNumber()).as(system + " answerF1").isTrue();
            assertThat(s.path("judgedAccuracy").asDouble()).isBetween(0.0, 1.0);
            for (JsonNode c : s.path("perCategory")) {
                assertThat(c.path("answerF1").isNumber()).isTrue();
                assertThat(c.path("judgedAccuracy").isNumber()).isTrue();
            }
            long answerCalls = s.path("answerCalls").asLong();
            assertThat(scored(s)).isGreaterThan(LIMIT);
            assertThat(answerCalls)
                    .as(system + ": one answer per scored question, up to the limit")
                    .isEqualTo(LIMIT);
            assertThat(s.path("answered").asLong()).isEqualTo(LIMIT);
            assertThat(s.path("judgeCalls").asLong())
                    .as("every answer that came back is judged")
                    .isEqualTo(answerCalls - s.path("answerFailures").asLong());
            calls += answerCalls;
            judged += s.path("judgeCalls").asLong();
        }
        assertThat(answers.get()).as("answer calls the server saw").isEqualTo(calls);
        assertThat(judgements.get()).as("judge calls the server saw").isEqualTo(judged);
        assertThat(judged).isPositive();
    }

    private static long scored(JsonNode system) {
        long n = 0;
        for (JsonNode c : system.path("perCategory")) {
            n += c.path("queries").asLong();
        }
        return n;
    }

    private static JsonNode findSystem(JsonNode report, String name) {
        JsonNode systems = report.path("systems");
        if (systems.isObject()) {
            return systems.path(name);
        }
        for (JsonNode s : systems) {
            if (name.equals(s.path("name").asText())) {
                return s;
            }
        }
        throw new AssertionError("no system " + name + " in " + report);
    }
}
