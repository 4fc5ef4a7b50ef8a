package io.memflow.serving.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** synth-model and generate through picocli, as the project jar runs them. */
class CliTest {
    @TempDir Path dir;

    @Test
    void synthModelThenGenerate() throws Exception {
        for (String shape : new String[] {"stories260K", "smollm-135m"}) {
            Path file = dir.resolve(shape + ".gguf");
            String type = shape.equals("stories260K") ? "Q8_0" : "Q4_0";
            Run synth =
                    run("synth-model", "--shape", shape, "--type", type, "--out", file.toString());
            assertThat(synth.code).as(synth.err).isZero();
            assertThat(synth.out).contains("wrote");

            Run gen =
                    run(
                            "generate",
                            "--model",
                            file.toString(),
                            "--prompt",
                            "Once upon a time",
                            "--steps",
                            "5",
                            "--json",
                            "--threads",
                            "2");
            assertThat(gen.code).as(gen.err).isZero();
            JsonNode json = new ObjectMapper().readTree(gen.out);
            assertThat(json.get("tokens").size()).isBetween(0, 5);
            assertThat(json.has("text")).isTrue();
            assertThat(json.get("prefillTokensPerSecond").asDouble()).isPositive();
            assertThat(json.has("decodeTokensPerSecond")).isTrue();
        }
    }

    @Test
    void benchPrintsOneJsonObjectWithTheBoundAndTheRatio() throws Exception {
        Path file = dir.resolve("stories260K.gguf");
        assertThat(run("synth-model", "--shape", "stories260K", "--out", file.toString()).code)
                .isZero();

        Run bench =
                run(
                        "bench",
                        "--model",
                        file.toString(),
                        "--threads",
                        "2",
                        "--prompt-tokens",
                        "8",
                        "--decode-tokens",
                        "4",
                        "--repeats",
                        "1",
                        "--bandwidth-mib",
                        "4",
                        "--json");

        assertThat(bench.code).as(bench.err).isZero();
        JsonNode json = new ObjectMapper().readTree(bench.out);
        for (String field :
                new String[] {
                    "decodeTokensPerSecond",
                    "prefillTokensPerSecond",
                    "readBandwidthBytesPerSecond",
                    "weightBytesPerToken",
                    "decodeOverReadBound"
                }) {
            assertThat(json.get(field).asDouble()).as(field).isPositive();
        }
        double bound =
                json.get("readBandwidthBytesPerSecond").asDouble()
                        / json.get("weightBytesPerToken").asDouble();
        assertThat(json.get("decodeOverReadBound").asDouble())
                .isCloseTo(json.get("decodeTokensPerSecond").asDouble() / bound, within(1e-9));
    }

    @Test
    void badArgumentsExitWith2() {
        Run shape = run("synth-model", "--shape", "gpt-5", "--out", dir.resolve("x").toString());
        assertThat(shape.code).isEqualTo(2);
        assertThat(shape.err).startsWith("error: unknown --shape 'gpt-5'");
        Run type = run("synth-model", "--shape", "stories15M", "--type", "Q6_K", "--out", "x.gguf");
        assertThat(type.code).isEqualTo(2);
        assertThat(type.err).contains("unsupported --type 'Q6_K'");
        assertThat(run("generate").code).isEqualTo(2); // missing --model: picocli usage error
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                new CommandLine(new ServingCli())
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
