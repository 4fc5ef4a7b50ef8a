package io.memflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code serve}'s replica options fail in one line, and {@code bench-serve --json} runs end to end
 * (small sizes) and prints the issue's fields.
 */
class ServeCliITCase {
    @Test
    void replicaOptionsFailInOneLine() {
        for (String[] args :
                new String[][] {
                    {"serve", "--replica", "1"},
                    {"serve", "--partitions", "0", "--replica", "0", "--replicas", "2"},
                    {"serve", "--replica", "2", "--replicas", "2"}
                }) {
            StringWriter err = new StringWriter();
            int code =
                    MemflowCli.commandLine()
                            .setOut(new PrintWriter(new StringWriter()))
                            .setErr(new PrintWriter(err))
                            .execute(args);
            assertThat(code).isEqualTo(2);
            assertThat(err.toString().strip())
                    .startsWith("memflow serve: ")
                    .contains("--replica")
                    .doesNotContain("\n")
                    .doesNotContain("Exception");
        }
    }

    @Test
    void benchServePrintsTheIssueFields() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli =
                MemflowCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int code =
                cli.execute(
                        "bench-serve",
                        "--users",
                        "3",
                        "--memories-per-user",
                        "50",
                        "--big-user-memories",
                        "300",
                        "--clients",
                        "2",
                        "--searches",
                        "40",
                        "--catch-up-changes",
                        "200",
                        "--json");
        assertThat(code).as(err.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("memories").asLong()).isEqualTo(3 * 50 + 300);
        for (String f :
                new String[] {
                    "searchP50Ms",
                    "searchP99Ms",
                    "searchesPerSecond",
                    "bigUserSearchP50Ms",
                    "bigUserSearchP99Ms",
                    "indexBytesPerMemory",
                    "catchUpChangesPerSecond"
                }) {
            assertThat(json.get(f).asDouble()).as(f).isPositive();
        }
        // heap growth after GC: present, but at a few hundred memories too noisy to bound
        assertThat(json.has("viewBytesPerMemory")).isTrue();
        assertThat(json.get("searchP99Ms").asDouble())
                .isGreaterThanOrEqualTo(json.get("searchP50Ms").asDouble());
    }
}
