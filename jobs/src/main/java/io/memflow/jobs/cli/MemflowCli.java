package io.memflow.jobs.cli;

import io.memflow.jobs.AvroTrust;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar memflow.jar <command>}: the one entry point for people. Errors are one line on
 * stderr that says what was wrong and how to fix it (exit code 2); {@code MEMFLOW_DEBUG=1} adds the
 * stack trace.
 */
@Command(
        name = "memflow",
        mixinStandardHelpOptions = true,
        version = "memflow 0.1.0",
        description = "Flink-native tiered memory for LLM agents and chat assistants.",
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            BrokerCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            io.memflow.jobs.bench.IngestBenchCommand.class,
            io.memflow.jobs.eval.EvalCommand.class,
            io.memflow.jobs.eval.RetrievalBenchCommand.class,
            io.memflow.jobs.serve.ServeCommand.class,
            io.memflow.jobs.serve.McpCommand.class,
            io.memflow.jobs.bench.ServeBenchCommand.class,
            io.memflow.jobs.modelserver.ServeModelCommand.class,
            io.memflow.serving.cli.GenerateCommand.class,
            io.memflow.serving.cli.SynthModelCommand.class,
            io.memflow.serving.cli.KvBenchCommand.class,
            io.memflow.serving.cli.BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class MemflowCli {

    public static void main(String[] args) throws Exception {
        // the inference engine's kernels need the Vector API module, which `java -jar` cannot
        // switch on from the manifest: start once more with it
        if (JvmRelaunch.needed()) {
            System.exit(JvmRelaunch.run(MemflowCli.class, args));
        }
        JvmRelaunch.exitWithParent();
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        AvroTrust.trustMemflowSchemas();
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new MemflowCli());
        cli.setExecutionExceptionHandler(
                (ex, cmd, parsed) -> {
                    String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
                    cmd.getErr().println("memflow " + cmd.getCommandName() + ": " + msg);
                    if (System.getenv("MEMFLOW_DEBUG") != null) {
                        ex.printStackTrace(cmd.getErr());
                    } else if (!(ex instanceof CliException)) {
                        cmd.getErr().println("(set MEMFLOW_DEBUG=1 for the stack trace)");
                    }
                    return 2;
                });
        return cli;
    }
}
