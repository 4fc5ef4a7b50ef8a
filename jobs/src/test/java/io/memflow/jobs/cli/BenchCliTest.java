package io.memflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.jobs.SharedData;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code memflow bench --json} is mounted in the project jar's CLI, not only in model-serving's.
 */
class BenchCliTest {

    @Test
    void benchRunsFromTheProjectCliAndPrintsTheIssueFields() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli =
                MemflowCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));

        int code =
                cli.execute(
                        "bench",
                        "--model",
                        SharedData.storiesModel().toString(),
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

        assertThat(code).as(err.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("decodeTokensPerSecond").asDouble()).isPositive();
        assertThat(json.get("prefillTokensPerSecond").asDouble()).isPositive();
        assertThat(json.get("readBandwidthBytesPerSecond").asDouble()).isPositive();
        assertThat(json.get("weightBytesPerToken").asLong()).isPositive();
        assertThat(json.get("decodeOverReadBound").asDouble()).isPositive();
    }
}
