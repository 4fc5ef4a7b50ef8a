package io.memflow.jobs.cli;

import picocli.CommandLine;

/** Commands that live in other modules (the inference engine's tools), mounted when present. */
final class ExtraCommands {
    private static final String[] CLASSES = {
        "io.memflow.serving.cli.GenerateCommand", "io.memflow.serving.cli.SynthModelCommand"
    };

    private ExtraCommands() {}

    static void mount(CommandLine cli) {
        for (String name : CLASSES) {
            try {
                Object cmd = Class.forName(name).getDeclaredConstructor().newInstance();
                cli.addSubcommand(cmd);
            } catch (ReflectiveOperationException | LinkageError e) {
                // the engine module is not on the class path of this build
            }
        }
    }
}
