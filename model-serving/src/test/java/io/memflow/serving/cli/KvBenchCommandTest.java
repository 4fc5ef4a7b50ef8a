package io.memflow.serving.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.serving.model.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** kv-bench end to end on a slice of the dev fixture, and its bad-input handling. */
class KvBenchCommandTest {
    @TempDir Path dir;

    @Test
    void reportsMemoryAndFidelityPerMethod() throws Exception {
        Run r =
                run(
                        "--model",
                        TestModels.stories260K().toString(),
                        "--locomo",
                        TestModels.sharedDir().resolve("data/locomo-dev.json").toString(),
                        "--budget",
                        "48",
                        "--block",
                        "32",
                        "--segment-tokens",
                        "192",
                        "--limit-conversations",
                        "1",
                        "--limit-questions",
                        "3",
                        "--profile",
                        dir.resolve("profile.json").toString(),
                        "--threads",
                        "1",
                        "--json");
        assertThat(r.code).as(r.err).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertThat(j.get("embedder").asText()).startsWith("hashing");
        assertThat(j.get("questions").asInt()).isEqualTo(3);
        assertThat(j.get("fullKvBytes").asLong())
                .isGreaterThan(j.get("peakContextKvBytes").asLong());
        assertThat(j.get("compressionRatio").asDouble()).isGreaterThan(1);
        int sum = 0;
        for (JsonNode b : j.get("layerBudgets")) {
            sum += b.asInt();
        }
        assertThat(sum).isEqualTo(48 * j.get("layerBudgets").size());
        for (String m : new String[] {"epicache", "slidingWindow", "snapkv", "fullKv"}) {
            assertThat(j.get(m).get("top1Agreement").asDouble()).as(m).isBetween(0.0, 1.0);
            assertThat(j.get(m).get("meanKl").asDouble()).as(m).isGreaterThanOrEqualTo(0.0);
        }
        assertThat(j.get("fullKv").get("top1Agreement").asDouble()).isEqualTo(1.0);
        assertThat(j.get("fullKv").get("meanKl").asDouble()).isEqualTo(0.0);
    }

    @Test
    void badInputIsOneErrorLineAndExit2() throws Exception {
        String model = TestModels.stories260K().toString();
        Run missing =
                run(
                        "--model",
                        model,
                        "--locomo",
                        dir.resolve("none.json").toString(),
                        "--budget",
                        "8",
                        "--block",
                        "8",
                        "--profile",
                        dir.resolve("p.json").toString());
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err.strip()).startsWith("error: ").doesNotContain("\n");
        Run embedder =
                run(
                        "--model",
                        model,
                        "--locomo",
                        TestModels.sharedDir().resolve("data/locomo-dev.json").toString(),
                        "--budget",
                        "8",
                        "--block",
                        "8",
                        "--embedder",
                        "nope",
                        "--profile",
                        dir.resolve("p.json").toString());
        assertThat(embedder.code).isEqualTo(2);
        assertThat(embedder.err).startsWith("error: unknown --embedder nope (available: hashing");
        Run budget = run("--model", model, "--locomo", "x.json", "--budget", "0", "--block", "8");
        assertThat(budget.code).isEqualTo(2);
        assertThat(budget.err).startsWith("error: --budget");
        Run reach =
                run(
                        "--model",
                        model,
                        "--locomo",
                        "x.json",
                        "--budget",
                        "8",
                        "--block",
                        "8",
                        "--segment-tokens",
                        "4000");
        assertThat(reach.code).isEqualTo(2);
        assertThat(reach.err).contains("exceeds the context length");
    }

    @Test
    void profileGoesBesideTheModelUnlessItsFolderIsReadOnly() throws Exception {
        Path model = dir.resolve("m.gguf");
        java.nio.file.Files.writeString(model, "x");
        assertThat(KvBenchCommand.defaultProfile(model))
                .isEqualTo(dir.resolve("m.gguf.epicache-profile.json"));
        Path readOnly = dir.resolve("ro");
        java.nio.file.Files.createDirectories(readOnly);
        java.nio.file.Files.setPosixFilePermissions(
                readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        assertThat(KvBenchCommand.defaultProfile(readOnly.resolve("m.gguf")))
                .isEqualTo(Path.of("m.gguf.epicache-profile.json"));
        java.nio.file.Files.setPosixFilePermissions(
                readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new KvBenchCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
