package io.memflow.jobs.cli;

import io.memflow.jobs.demo.DemoRunner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The whole system in one process: a broker, the job, a sample conversation and questions. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run memflow end to end on a bundled sample conversation (in-process Kafka and Flink).")
public class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--web-ui-port",
            defaultValue = "8081",
            description =
                    "Flink web UI port while the demo runs, 0 for none (default: ${DEFAULT-VALUE}).")
    int webUiPort;

    @Override
    public Integer call() throws Exception {
        return new DemoRunner(System.out, webUiPort).run();
    }
}
