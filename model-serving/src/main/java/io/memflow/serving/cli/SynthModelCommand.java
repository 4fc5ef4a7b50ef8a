package io.memflow.serving.cli;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.synth.ModelShape;
import io.memflow.serving.synth.SyntheticModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code synth-model}: writes a random-weight GGUF of a named shape, for benchmarks. */
@Command(
        name = "synth-model",
        mixinStandardHelpOptions = true,
        description = "Write a random-weight GGUF model of a named shape (no download needed).")
public final class SynthModelCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--shape",
            required = true,
            description = "stories260K, stories15M, stories110M or smollm-135m.")
    String shape;

    @Option(names = "--type", defaultValue = "F32", description = "F32, Q8_0, Q4_0 or Q4_K.")
    String type;

    @Option(names = "--out", required = true, description = "Output .gguf file.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed.")
    long seed;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ModelShape s = ModelShape.byName(shape);
        if (s == null) {
            err.println(
                    "error: unknown --shape '"
                            + shape
                            + "'; use one of stories260K, stories15M, stories110M, smollm-135m");
            return 2;
        }
        GgmlType t;
        try {
            t = GgmlType.valueOf(type.toUpperCase());
        } catch (IllegalArgumentException e) {
            t = null;
        }
        if (t != GgmlType.F32 && t != GgmlType.Q8_0 && t != GgmlType.Q4_0 && t != GgmlType.Q4_K) {
            err.println("error: unsupported --type '" + type + "'; use F32, Q8_0 or Q4_0");
            return 2;
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            err.println("error: output directory " + parent + " does not exist (check --out)");
            return 2;
        }
        try {
            SyntheticModel.write(s.spec(), t, out, seed);
        } catch (IOException e) {
            err.println("error: cannot write " + out + ": " + e.getMessage());
            return 2;
        }
        spec.commandLine()
                .getOut()
                .printf("wrote %s: %s %s, %d bytes%n", out, s.shapeName, t, out.toFile().length());
        return 0;
    }

    static String shapes() {
        return Arrays.toString(ModelShape.values());
    }
}
