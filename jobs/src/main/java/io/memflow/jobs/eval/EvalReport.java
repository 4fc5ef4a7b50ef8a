package io.memflow.jobs.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes {@code report.json} (docs/ARCHITECTURE.md §7), {@code report.md} and the PNG plots. */
final class EvalReport {
    private EvalReport() {}

    static final String TOKENIZER =
            "memflow word tokens (io.memflow.operators.text.Text.tokens: runs of letters/digits,"
                    + " inner apostrophes kept)";

    static Map<String, Object> json(
            String dataset, int conversations, int turns, int queries, List<SystemScores> systems) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("dataset", dataset);
        root.put("conversations", conversations);
        root.put("turns", turns);
        root.put("queries", queries);
        Map<String, Object> sys = new LinkedHashMap<>();
        for (SystemScores s : systems) {
            sys.put(s.name, s.fields());
        }
        root.put("systems", sys);
        return root;
    }

    static void write(Path dir, Map<String, Object> json, List<SystemScores> systems, String notes)
            throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(dir.resolve("report.json").toFile(), json);
        Files.writeString(
                dir.resolve("report.md"), markdown(json, systems, notes), StandardCharsets.UTF_8);
        List<Plots.Series> series = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Long> stored = new ArrayList<>();
        for (SystemScores s : systems) {
            int n = s.name.equals("full-text") ? 1 : s.maxK;
            double[] x = new double[n];
            double[] y = new double[n];
            for (int k = 1; k <= n; k++) {
                x[k - 1] = s.tokensPerQuery(k);
                y[k - 1] = s.recall(k, 0);
            }
            series.add(new Plots.Series(s.name, x, y));
            names.add(s.name);
            stored.add(s.storedTokens);
        }
        Plots.recallVsTokens(
                series,
                "LoCoMo "
                        + json.get("dataset")
                        + ": recall@k (k = 1.."
                        + systems.get(0).maxK
                        + ") vs retrieved tokens per query",
                dir.resolve("recall-vs-tokens.png"));
        Plots.storedTokens(
                names, stored, "Stored tokens per system", dir.resolve("stored-tokens.png"));
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> json, List<SystemScores> systems, String notes) {
        StringBuilder b = new StringBuilder();
        b.append("# memflow evaluation on ").append(json.get("dataset")).append("\n\n");
        b.append(
                String.format(
                        "%s conversations, %s turns, %s questions asked, %s scored (categories 1-4"
                                + " with an answer and existing evidence).%n%n",
                        json.get("conversations"),
                        json.get("turns"),
                        json.get("queries"),
                        systems.get(0).scoredQueries()));
        b.append("Tokens: ").append(TOKENIZER).append(".\n\n");
        int k = systems.get(0).k;
        List<Integer> ks = systems.get(0).ks();
        b.append("## Overall\n\n| system |");
        for (int kk : ks) {
            b.append(" recall@").append(kk).append(" |");
        }
        b.append(" answerRecall@").append(k).append(" | retrieved tokens/query @").append(k);
        b.append(
                " | stored tokens | raw tokens | LLM calls | ingest turns/s | query p50 ms | query p99 ms |\n|---|");
        b.append("---|".repeat(ks.size() + 8)).append('\n');
        for (SystemScores s : systems) {
            Map<String, Object> f = s.fields();
            b.append("| ").append(s.name).append(" |");
            for (int kk : ks) {
                b.append(String.format(" %.3f |", (Double) f.get("recall@" + kk)));
            }
            b.append(
                    String.format(
                            " %.3f | %.1f | %,d | %,d | %d | %.1f | %.2f | %.2f |%n",
                            (Double) f.get("answerRecall@" + k),
                            (Double) f.get("retrievedTokensPerQuery@" + k),
                            s.storedTokens,
                            s.rawTokens,
                            s.llmCalls,
                            s.ingestTurnsPerSecond,
                            (Double) f.get("queryLatencyMsP50"),
                            (Double) f.get("queryLatencyMsP99")));
        }
        if (systems.get(0).fields().containsKey("answerF1")) {
            b.append("\n## Generated answers (top-")
                    .append(k)
                    .append(" items to the answer model; docs/EVALUATION.md)\n\n")
                    .append("| system | answerF1 | judgedAccuracy | answer calls | failed |")
                    .append(" judge calls |\n|---|---|---|---|---|---|\n");
            for (SystemScores s : systems) {
                Map<String, Object> f = s.fields();
                b.append("| ")
                        .append(s.name)
                        .append(" | ")
                        .append(f.get("answerF1"))
                        .append(" | ")
                        .append(f.getOrDefault("judgedAccuracy", "-"))
                        .append(" | ")
                        .append(f.get("answerCalls"))
                        .append(" | ")
                        .append(f.get("answerFailures"))
                        .append(" | ")
                        .append(f.get("judgeCalls"))
                        .append(" |\n");
            }
        }
        b.append("\n## Per category (recall@")
                .append(k)
                .append(" / answerRecall@")
                .append(k)
                .append(")\n\n");
        b.append("| category | questions |");
        for (SystemScores s : systems) {
            b.append(' ').append(s.name).append(" |");
        }
        b.append("\n|---|---|").append("---|".repeat(systems.size())).append('\n');
        for (int c = 1; c <= 4; c++) {
            String name = SystemScores.CATEGORIES.get(c);
            Map<String, Object> first =
                    (Map<String, Object>)
                            ((Map<String, Object>) systems.get(0).fields().get("perCategory"))
                                    .get(name);
            b.append("| ")
                    .append(c)
                    .append(' ')
                    .append(name)
                    .append(" | ")
                    .append(first.get("queries"))
                    .append(" |");
            for (SystemScores s : systems) {
                Map<String, Object> cat =
                        (Map<String, Object>)
                                ((Map<String, Object>) s.fields().get("perCategory")).get(name);
                b.append(
                        String.format(
                                " %.3f / %.3f |",
                                (Double) cat.get("recall@" + k),
                                (Double) cat.get("answerRecall@" + k)));
            }
            b.append('\n');
        }
        b.append("\nCategory 5 (adversarial) questions are asked but not scored.\n\n");
        b.append(
                "![recall vs tokens](recall-vs-tokens.png)\n\n![stored tokens](stored-tokens.png)\n\n");
        b.append(notes);
        return b.toString();
    }
}
