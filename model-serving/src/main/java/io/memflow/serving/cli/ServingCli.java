package io.memflow.serving.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Standalone entry point mounting the model-serving commands ({@code generate}, {@code
 * synth-model}, {@code bench}). The project jar mounts the same command classes as subcommands.
 */
@Command(
        name = "memflow-serving",
        mixinStandardHelpOptions = true,
        subcommands = {
            GenerateCommand.class,
            SynthModelCommand.class,
            BenchCommand.class,
            KvBenchCommand.class
        },
        description = "Pure-Java GGUF inference engine commands.")
public final class ServingCli implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServingCli()).execute(args));
    }
}
