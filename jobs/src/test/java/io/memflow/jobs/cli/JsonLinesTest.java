package io.memflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.ingest.InputDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** {@code produce} checks every line before sending any: one test per kind of bad line. */
class JsonLinesTest {
    static final long NOW = Instant.parse("2024-05-01T00:00:00Z").toEpochMilli();
    final Configuration conf = new Configuration();
    final InputDecoder decoder =
            new InputDecoder(
                    new InputDecoder.Topics(
                            "memflow.turns",
                            "memflow.agent-events",
                            "memflow.queries",
                            "memflow.control"),
                    65536,
                    Duration.ofDays(1));

    static String turn(String extra) {
        return "{\"tenantId\":\"acme\",\"userId\":\"maya\",\"turnId\":\"s1:1\",\"speaker\":\"Maya\","
                + "\"text\":\"I live in Boston.\",\"eventTime\":\"2024-03-04T18:00:00Z\""
                + extra
                + "}";
    }

    JsonLines.Result check(String topic, byte[] input) {
        TopicNames.Entry e = TopicNames.resolve(topic, conf);
        return JsonLines.check(input, e, conf.get(e.option()), decoder, 1024 * 1024, NOW);
    }

    JsonLines.Result check(String topic, String input) {
        return check(topic, input.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void goodLinesPassAndBlankLinesAreSkipped() {
        JsonLines.Result r =
                check("turns", turn("") + "\n\n" + turn("").replace("s1:1", "s1:2") + "\r\n");
        assertThat(r.bad()).isEmpty();
        assertThat(r.good()).extracting(JsonLines.Good::line).containsExactly(1, 3);
        assertThat(r.good().get(0).key()).isEqualTo("acme/maya");
    }

    @Test
    void everyBadLineIsListedWithItsNumberAndNothingElseDecides() {
        String input =
                String.join(
                        "\n",
                        turn(""),
                        turn("").replace("s1:1", "s1:2"),
                        "{\"tenantId\": \"acme\", oops",
                        turn("").replace("\"2024-03-04T18:00:00Z\"", "12345"),
                        turn("").replace("\"I live in Boston.\"", "42"),
                        turn("").replace("\"turnId\":\"s1:1\",", ""),
                        turn("").replace("\"acme\"", "\"a/b\""),
                        "[1,2]");
        JsonLines.Result r = check("turns", input);
        assertThat(r.good()).extracting(JsonLines.Good::line).containsExactly(1, 2);
        assertThat(r.bad()).extracting(JsonLines.Bad::line).containsExactly(3, 4, 5, 6, 7, 8);
        assertThat(r.bad().get(0).reason()).startsWith("not JSON");
        assertThat(r.bad().get(1).reason())
                .contains("eventTime must be an ISO-8601 instant string")
                .contains("the number 12345");
        assertThat(r.bad().get(2).reason())
                .contains("text must be a JSON string, was the number 42");
        assertThat(r.bad().get(3).reason()).isEqualTo("ConversationTurn.turnId is required");
        assertThat(r.bad().get(4).reason()).contains("tenantId must not contain '/'");
        assertThat(r.bad().get(5).reason()).contains("must be a JSON object");
    }

    @Test
    void invalidUtf8IsNamedWithLineAndByte() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((turn("") + "\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"text\":\"caf".getBytes(StandardCharsets.UTF_8));
        b.write(0xC3); // a lone lead byte
        b.writeBytes("\"}\n".getBytes(StandardCharsets.UTF_8));
        JsonLines.Result r = check("turns", b.toByteArray());
        assertThat(r.bad())
                .singleElement()
                .satisfies(
                        x -> {
                            assertThat(x.line()).isEqualTo(2);
                            assertThat(x.reason())
                                    .isEqualTo(
                                            "not valid UTF-8 at byte 13 of the line (save the file as UTF-8)");
                        });
    }

    @Test
    void tooLargeLinesAreRefusedBeforeSending() {
        String big = "x".repeat(5 * 1024 * 1024);
        JsonLines.Result r = check("turns", turn("").replace("I live in Boston.", big));
        assertThat(r.bad())
                .singleElement()
                .satisfies(
                        x -> {
                            assertThat(x.line()).isEqualTo(1);
                            assertThat(x.reason()).contains("max.request.size=1048576");
                        });
        // under the request size but over the job's text limit: it would be a dead letter
        String mid = "word ".repeat(20_000);
        JsonLines.Result m = check("turns", turn("").replace("I live in Boston.", mid));
        assertThat(m.bad().get(0).reason())
                .contains(MemflowOptions.MAX_TEXT_BYTES.key() + "=65536");
    }

    @Test
    void queriesAreCheckedWithTheJobsRules() {
        String q =
                "{\"queryId\":\"q1\",\"tenantId\":\"acme\",\"userId\":\"maya\",\"text\":\"where?\",\"queryTime\":\"2024-04-01T00:00:00Z\",\"k\":0}";
        JsonLines.Result r = check("queries", q + "\n" + q.replace("\"k\":0", "\"k\":\"5\""));
        assertThat(r.bad())
                .extracting(JsonLines.Bad::reason)
                .containsExactly(
                        "k must be between 1 and 1000, was 0",
                        "MemoryQuery.k must be a whole number, was the string \"5\"");
    }
}
