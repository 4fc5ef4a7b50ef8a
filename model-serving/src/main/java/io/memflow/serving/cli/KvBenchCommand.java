package io.memflow.serving.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.memflow.serving.bench.KvBench;
import io.memflow.serving.bench.LocomoConversation;
import io.memflow.serving.bench.LocomoReader;
import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.embedding.TextEmbedders;
import io.memflow.serving.epicache.EpiCacheConfig;
import io.memflow.serving.epicache.LayerBudgets;
import io.memflow.serving.epicache.LayerProfile;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.model.LlamaModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kv-bench}: KV memory and answer fidelity of EpiCache against full KV, a sliding window
 * with sinks and uniform SnapKV on a LoCoMo file. See {@link KvBench} for the scheme.
 */
@Command(
        name = "kv-bench",
        mixinStandardHelpOptions = true,
        description =
                "Compare EpiCache with full KV, sliding window and SnapKV on LoCoMo questions.")
public final class KvBenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "GGUF model file.")
    Path model;

    @Option(names = "--locomo", required = true, description = "LoCoMo JSON file.")
    Path locomo;

    @Option(names = "--budget", required = true, description = "M: KV entries per layer kept.")
    int budget;

    @Option(names = "--block", required = true, description = "B: tokens per prefill block.")
    int block;

    @Option(names = "--episodes", defaultValue = "4", description = "E: episodes (K-means k).")
    int episodes;

    @Option(names = "--window", defaultValue = "4", description = "Utterances per window.")
    int window;

    @Option(names = "--medoids", defaultValue = "8", description = "Windows per patched prompt.")
    int medoids;

    @Option(
            names = "--segment-tokens",
            defaultValue = "384",
            description = "Context tokens per segment (the model's context is small).")
    int segmentTokens;

    @Option(names = "--prompt-tokens", defaultValue = "96", description = "Patched prompt cap.")
    int promptTokens;

    @Option(names = "--question-tokens", defaultValue = "48", description = "Question cap.")
    int questionTokens;

    @Option(names = "--answer-tokens", defaultValue = "16", description = "Answer tokens scored.")
    int answerTokens;

    @Option(names = "--sinks", defaultValue = "4", description = "Sliding-window attention sinks.")
    int sinks;

    @Option(
            names = "--snap-window",
            defaultValue = "16",
            description = "SnapKV observation window.")
    int snapWindow;

    @Option(names = "--alpha", defaultValue = "1.1", description = "Layer-budget sharpness α.")
    double alpha;

    @Option(
            names = "--profile",
            description = "Layer profile JSON (default: beside the model, else ./<model>...).")
    Path profile;

    @Option(names = "--limit-conversations", defaultValue = "2", description = "Conversations.")
    int limitConversations;

    @Option(
            names = "--limit-questions",
            defaultValue = "24",
            description = "Questions per conversation.")
    int limitQuestions;

    @Option(
            names = "--embedder",
            defaultValue = "hashing",
            description =
                    "Episode embedder: hashing (deterministic, built in) or a registered"
                            + " TextEmbedderProvider name.")
    String embedderName;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description =
                    "Matmul threads (1 by default: for a 260K model the pool's hand-offs cost"
                            + " more than they save; results do not depend on it).")
    int threads;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (budget < 1
                || block < 1
                || episodes < 1
                || window < 1
                || medoids < 1
                || segmentTokens < 2
                || promptTokens < 1
                || questionTokens < 1
                || answerTokens < 1
                || sinks < 0
                || sinks >= budget
                || snapWindow < 1
                || alpha < 0
                || limitConversations < 1
                || limitQuestions < 1
                || threads < 1) {
            err.println(
                    "error: --budget, --block, --episodes, --window, --medoids, --*-tokens,"
                            + " --snap-window, --limit-*, --threads must be >= 1,"
                            + " 0 <= --sinks < --budget, --alpha >= 0");
            return 2;
        }
        long start = System.nanoTime();
        try (LlamaModel m = LlamaModel.load(model, threads, Kernels.preferred())) {
            int reach = segmentTokens + Math.max(promptTokens, questionTokens + answerTokens);
            if (reach > m.config().contextLength()) {
                err.println(
                        "error: --segment-tokens + max(--prompt-tokens, --question-tokens +"
                                + " --answer-tokens) = "
                                + reach
                                + " exceeds the context length "
                                + m.config().contextLength()
                                + " of "
                                + model);
                return 2;
            }
            TextEmbedder embedder = TextEmbedders.byName(embedderName);
            List<LocomoConversation> data = LocomoReader.read(locomo);
            Path profilePath = profile != null ? profile : defaultProfile(model);
            LayerProfile p = LayerProfile.loadOrMeasure(m, profilePath);
            int[] budgets = p.budgets(budget, alpha);
            EpiCacheConfig cfg =
                    new EpiCacheConfig(budget, block, episodes, window, medoids, promptTokens, 42L);
            KvBench.Options o =
                    new KvBench.Options(
                            cfg,
                            segmentTokens,
                            questionTokens,
                            answerTokens,
                            sinks,
                            snapWindow,
                            limitConversations,
                            limitQuestions);
            Map<String, Object> result = new KvBench(m, embedder, o, budgets).run(data);
            Map<String, Object> report = header(embedder, p, budgets, profilePath);
            report.putAll(result);
            report.put("seconds", (System.nanoTime() - start) / 1e9);
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            if (json) {
                out.println(mapper.writeValueAsString(report));
            } else {
                out.println(summary(report));
            }
            out.flush();
            return 0;
        } catch (NoSuchFileException e) {
            err.println("error: file not found: " + e.getFile());
            return 2;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
    }

    /** The run's settings, first in the JSON so a reader sees what the numbers belong to. */
    private Map<String, Object> header(
            TextEmbedder embedder, LayerProfile p, int[] budgets, Path profilePath) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", model.getFileName().toString());
        report.put("locomo", locomo.getFileName().toString());
        report.put("embedder", embedder.name());
        report.put(
                "scheme",
                "each conversation cut into segments of whole turns of <= "
                        + segmentTokens
                        + " tokens (BOS + '<speaker> said, \"<text>\"' lines); a question is"
                        + " asked in the segment holding its first evidence turn; episodes"
                        + " clustered over the whole conversation; fidelity vs full KV on the"
                        + " logits predicting each gold answer token after"
                        + " '\\nQuestion: <q>\\nAnswer:' (teacher-forced)");
        report.put("budget", budget);
        report.put("block", block);
        report.put("episodes", episodes);
        report.put("layerBudgets", budgets);
        report.put("layerBudgetFloor", LayerBudgets.floor(budget));
        report.put("layerSimilarity", p.similarity());
        report.put("alpha", alpha);
        report.put("profile", profilePath.toString());
        return report;
    }

    /** Beside the model when that directory is writable (shared model dirs often are not). */
    static Path defaultProfile(Path model) {
        Path beside = LayerProfile.besideModel(model);
        Path dir = beside.toAbsolutePath().getParent();
        if (Files.isRegularFile(beside) || writable(dir)) {
            return beside;
        }
        return Path.of(beside.getFileName().toString());
    }

    /**
     * Whether the directory is meant to be written: its write bits, not just access, since root may
     * write anywhere and would otherwise drop profiles into read-only shared model folders.
     */
    private static boolean writable(Path dir) {
        try {
            return Files.isWritable(dir)
                    && Files.getPosixFilePermissions(dir)
                            .contains(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        } catch (UnsupportedOperationException | IOException e) {
            return Files.isWritable(dir);
        }
    }

    @SuppressWarnings("unchecked")
    private static String summary(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        "full KV %d B, EpiCache peak %d B, compression %.2fx%n",
                        r.get("fullKvBytes"), r.get("peakKvBytes"), r.get("compressionRatio")));
        for (String k : List.of("epicache", "epicacheUniform", "slidingWindow", "snapkv")) {
            Map<String, Object> m = (Map<String, Object>) r.get(k);
            sb.append(
                    String.format(
                            "%-16s top1 %.3f  meanKL %.4f%n",
                            k, m.get("top1Agreement"), m.get("meanKl")));
        }
        return sb.toString().strip();
    }
}
