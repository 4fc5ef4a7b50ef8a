package io.memflow.serving.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.serving.bench.DecodeBench;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.model.LlamaModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench}: prefill/decode tokens per second next to the memory-bandwidth bound. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure prefill and decode speed against the memory-bandwidth bound.")
public final class BenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "GGUF model file.")
    Path model;

    @Option(names = "--threads", defaultValue = "2", description = "Matmul threads.")
    int threads;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "Prefill length.")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "64", description = "Decode steps.")
    int decodeTokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs (best kept).")
    int repeats;

    @Option(names = "--scalar", description = "Use the scalar reference kernels.")
    boolean scalar;

    @Option(
            names = "--bandwidth-mib",
            defaultValue = "256",
            description = "Buffer size of the bandwidth measurements (MiB; keep it >> caches).")
    int bandwidthMib;

    @Option(
            names = "--json",
            description =
                    "Print one JSON object (decodeTokensPerSecond, prefillTokensPerSecond,"
                            + " readBandwidthBytesPerSecond, weightBytesPerToken,"
                            + " decodeOverReadBound, ...).")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (threads < 1
                || promptTokens < 1
                || decodeTokens < 1
                || repeats < 1
                || bandwidthMib < 1) {
            err.println(
                    "error: --threads, --prompt-tokens, --decode-tokens, --repeats,"
                            + " --bandwidth-mib must be >= 1");
            return 2;
        }
        Kernels kernels = scalar ? Kernels.SCALAR : Kernels.preferred();
        try (LlamaModel m = LlamaModel.load(model, threads, kernels)) {
            if (promptTokens + decodeTokens > m.config().contextLength()) {
                err.println(
                        "error: --prompt-tokens + --decode-tokens exceed the context length "
                                + m.config().contextLength()
                                + " of "
                                + model);
                return 2;
            }
            DecodeBench.Result r =
                    DecodeBench.run(m, promptTokens, decodeTokens, repeats, bandwidthMib);
            if (json) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("model", model.toString());
                fields.put("kernels", kernels.name());
                fields.putAll(r.toJson());
                out.println(new ObjectMapper().writeValueAsString(fields));
            } else {
                out.printf(
                        "%s (%s kernels, %d threads): prefill %.1f tok/s, decode %.2f tok/s%n"
                                + "weights/token %.1f MB, copy bandwidth %.2f GB/s,"
                                + " bound %.2f tok/s, decode/bound %.2f%n"
                                + "read bandwidth %.2f GB/s, read bound %.2f tok/s,"
                                + " decode/read bound %.2f%n",
                        model.getFileName(),
                        kernels,
                        threads,
                        r.prefillTokensPerSecond(),
                        r.decodeTokensPerSecond(),
                        r.weightBytesPerToken() / 1e6,
                        r.copyBytesPerSecond() / 1e9,
                        r.boundTokensPerSecond(),
                        r.ratio(),
                        r.readBytesPerSecond() / 1e9,
                        r.readBoundTokensPerSecond(),
                        r.decodeOverReadBound());
            }
            out.flush();
            return 0;
        } catch (NoSuchFileException e) {
            err.println("error: model file not found: " + model + " (check --model)");
            return 2;
        } catch (IOException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
    }
}
