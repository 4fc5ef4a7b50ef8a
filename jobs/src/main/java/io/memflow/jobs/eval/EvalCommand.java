package io.memflow.jobs.eval;

import io.memflow.jobs.cli.CliException;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.operators.retrieval.MemoryIndex;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.sensory.SensoryFunction;
import io.memflow.operators.text.Text;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eval --locomo FILE --out DIR}: runs the real job on a MiniCluster over a LoCoMo file
 * (every turn, then every question), scores it next to the naive-RAG and full-text baselines with
 * the metrics of docs/ARCHITECTURE.md §7, and writes {@code report.json}, {@code report.md} and PNG
 * plots.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description =
                "Evaluate memflow on a LoCoMo file against naive-rag and full-text baselines.")
public class EvalCommand implements Callable<Integer> {
    static final String TENANT = "locomo";

    @Option(names = "--locomo", required = true, description = "LoCoMo JSON file.")
    Path locomo;

    @Option(
            names = "--out",
            defaultValue = "target/eval",
            description = "Report directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--k",
            defaultValue = "10",
            description = "k of answerRecall@k and retrieved tokens (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(
            names = "--limit-conversations",
            description = "Use only the first N conversations of the file.")
    Integer limit;

    @Option(
            names = "--parallelism",
            defaultValue = "1",
            description = "Job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description = "Any memflow.* or Flink option, e.g. -Dmemflow.sensory.keep-ratio=0.6.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(
            names = "--answer-endpoint",
            description =
                    "OpenAI-compatible API (e.g. http://localhost:8000/v1) that answers every scored"
                            + " question from each system's top-k items: adds answerF1 (token F1"
                            + " against the gold answer). One call per question and system.")
    String answerEndpoint;

    @Option(
            names = "--answer-model",
            description = "Model at --answer-endpoint (default: the first it lists).")
    String answerModel;

    @Option(
            names = "--judge-endpoint",
            description =
                    "OpenAI-compatible API that judges each generated answer against the gold one"
                            + " (yes/no prompt in docs/EVALUATION.md): adds judgedAccuracy. One"
                            + " more call per answered question and system.")
    String judgeEndpoint;

    @Option(
            names = "--judge-model",
            description = "Model at --judge-endpoint (default: the first it lists).")
    String judgeModel;

    @Option(
            names = "--answer-limit",
            description =
                    "Answer (and judge) only the first N scored questions of each system: a cheap"
                            + " trial of an endpoint before a full run.")
    Integer answerLimit;

    @Option(
            names = "--api-key-env",
            description =
                    "Environment variable with the API key of both endpoints (e.g."
                            + " OPENAI_API_KEY); without it no key is sent.")
    String apiKeyEnv;

    @Override
    public Integer call() throws Exception {
        if (k < 1 || k > 100) {
            throw new CliException("--k must be between 1 and 100, got " + k);
        }
        int maxK = Math.max(20, k);
        List<Locomo.Conversation> convs = Locomo.read(locomo);
        if (limit != null) {
            if (limit < 1) {
                throw new CliException("--limit-conversations must be at least 1");
            }
            convs = convs.subList(0, Math.min(limit, convs.size()));
        }
        int turns = 0;
        int queries = 0;
        List<ConversationTurn> turnRecords = new ArrayList<>();
        List<MemoryQuery> queryRecords = new ArrayList<>();
        for (Locomo.Conversation c : convs) {
            turns += c.turns().size();
            queries += c.questions().size();
            turnRecords.addAll(LocomoRecords.turns(TENANT, c));
            queryRecords.addAll(LocomoRecords.queries(TENANT, c, maxK));
        }
        System.out.printf(
                "%s: %d conversations, %d turns, %d questions%n",
                locomo.getFileName(), convs.size(), turns, queries);
        Progress progress = new Progress(System.out);

        Configuration options = new Configuration();
        properties.forEach(options::setString);
        options.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);

        MemflowRun.Output run = MemflowRun.run(options, turnRecords, queryRecords, progress);
        if (answerLimit != null && answerLimit < 1) {
            throw new CliException("--answer-limit must be at least 1");
        }
        if (judgeEndpoint != null && answerEndpoint == null) {
            throw new CliException("--judge-endpoint needs --answer-endpoint: it judges answers");
        }
        JudgedAnswers judged =
                answerEndpoint == null
                        ? null
                        : JudgedAnswers.open(
                                answerEndpoint,
                                answerModel,
                                judgeEndpoint,
                                judgeModel,
                                apiKeyEnv,
                                answerLimit == null ? Integer.MAX_VALUE : answerLimit);
        SystemScores memflow;
        SystemScores naive;
        SystemScores full;
        try {
            memflow = scoreMemflow(convs, run, options, maxK, progress, judged);
            // the pipeline's model, even when its retrieval runs without vectors
            naive =
                    Baselines.naiveRag(
                            convs,
                            Embedders.load(options.get(MemflowOptions.EMBEDDING_MODEL)),
                            k,
                            maxK,
                            progress,
                            judged);
            full = Baselines.fullText(convs, k, maxK, judged);
        } finally {
            if (judged != null) {
                judged.close();
            }
        }
        List<SystemScores> systems = List.of(memflow, naive, full);

        Map<String, Object> json =
                EvalReport.json(
                        locomo.getFileName().toString(), convs.size(), turns, queries, systems);
        EvalReport.write(
                out,
                json,
                systems,
                notes(run, memflow, options.get(MemflowOptions.EMBEDDING_MODEL)));
        System.out.printf(
                "%-10s %9s %9s %9s %9s %12s%n",
                "system", "R@5", "R@10", "R@20", "AR@" + k, "tokens/q@" + k);
        for (SystemScores s : systems) {
            System.out.printf(
                    "%-10s %9.3f %9.3f %9.3f %9.3f %12.1f%n",
                    s.name,
                    s.recall(5, 0),
                    s.recall(10, 0),
                    s.recall(20, 0),
                    s.answerRecall(0),
                    s.tokensPerQuery(k));
        }
        System.out.println("memflow tiers: " + memflow.pipeline);
        System.out.println(
                "wrote "
                        + out.resolve("report.json")
                        + ", report.md, recall-vs-tokens.png, stored-tokens.png");
        return 0;
    }

    private SystemScores scoreMemflow(
            List<Locomo.Conversation> convs,
            MemflowRun.Output run,
            Configuration options,
            int maxK,
            Progress progress,
            @javax.annotation.Nullable JudgedAnswers judged) {
        SystemScores s = new SystemScores("memflow", k, maxK);
        if (judged != null) {
            s.answerWith(judged);
        }
        Map<String, MemoryAnswer> answers = new HashMap<>();
        for (MemoryAnswer a : run.answers()) {
            answers.put(a.getQueryId(), a);
        }
        // the memory each user holds at the end, from the changelog (latest version per id)
        Map<String, Map<String, MemoryRecord>> memory = new HashMap<>();
        for (MemoryChange c : run.changes()) {
            memory.computeIfAbsent(c.getUserId(), u -> new LinkedHashMap<>())
                    .merge(
                            c.getMemoryId(),
                            c.getRecord(),
                            (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
        }
        for (Map<String, MemoryRecord> m : memory.values()) {
            for (MemoryRecord r : m.values()) {
                if (r.getStatus() != MemoryStatus.DELETED && r.getStatus() != MemoryStatus.MERGED) {
                    s.storedTokens += Text.countTokens(r.getText());
                }
            }
        }
        Retriever retriever = Retriever.of(options);
        int total = 0;
        for (Locomo.Conversation c : convs) {
            total += c.questions().size();
            for (Locomo.Turn t : c.turns()) {
                s.rawTokens += Text.countTokens(t.fullText());
            }
        }
        s.ingestTurnsPerSecond = turnsOf(convs) / run.jobSeconds();
        s.turns = turnsOf(convs);
        pipeline(s, run);
        progress.start("memflow scoring", total);
        int missing = 0;
        List<String> missingIds = new ArrayList<>();
        for (Locomo.Conversation c : convs) {
            // the user's search structures, prepared once as the job's long-term operator keeps
            // them
            MemoryIndex index = retriever.newIndex();
            memory.getOrDefault(c.sampleId(), Map.of()).values().forEach(index::put);
            for (Locomo.Question q : c.questions()) {
                MemoryAnswer a = answers.get(LocomoRecords.queryId(c, q));
                List<SystemScores.Item> top = new ArrayList<>();
                if (a == null) {
                    missing++;
                    if (missingIds.size() < 5) {
                        missingIds.add(LocomoRecords.queryId(c, q));
                    }
                } else {
                    for (RetrievedMemory m : a.getMemories()) {
                        top.add(new SystemScores.Item(m.getText(), m.getSourceTurnIds()));
                    }
                }
                // latency: the job's own retrieval code over the memory the job built
                long t0 = System.nanoTime();
                retriever.retrieve(q.question(), c.queryTime().toEpochMilli(), index, maxK);
                s.add(q, top, (System.nanoTime() - t0) / 1e6);
                progress.step();
            }
        }
        progress.done();
        if (missing > 0) {
            throw new CliException(
                    missing
                            + " question(s) got no answer from the job (e.g. "
                            + missingIds
                            + "); rerun with MEMFLOW_DEBUG=1 and check the dead letters");
        }
        s.stopAnswering();
        return s;
    }

    /**
     * The tiers' own totals: the sensory tier's accumulators (turns and tokens in, dropped, kept),
     * topic segments that produced memories, and the sleep-time changes.
     */
    private static void pipeline(SystemScores s, MemflowRun.Output run) {
        long turnsIn = accumulator(run, SensoryFunction.ACC_TURNS_IN);
        long dropped = accumulator(run, SensoryFunction.ACC_TURNS_DROPPED);
        long tokensIn = accumulator(run, SensoryFunction.ACC_TOKENS_IN);
        long tokensKept = accumulator(run, SensoryFunction.ACC_TOKENS_KEPT);
        Set<String> segments = new HashSet<>();
        Map<String, Integer> byType = new TreeMap<>();
        for (MemoryChange c : run.changes()) {
            byType.merge(c.getType().name(), 1, Integer::sum);
            if (c.getType() == ChangeType.ADD && c.getRecord().getSegmentId() != null) {
                segments.add(c.getUserId() + "/" + c.getRecord().getSegmentId());
            }
        }
        // LLM extraction (memflow.consolidation.mode=llm): its calls and tokens, 0 otherwise
        s.llmCalls = accumulator(run, MemflowMetrics.LLM_CALLS);
        s.llmPromptTokens = accumulator(run, MemflowMetrics.LLM_PROMPT_TOKENS);
        s.llmCompletionTokens = accumulator(run, MemflowMetrics.LLM_COMPLETION_TOKENS);
        s.pipeline.put("llmFallbacks", accumulator(run, MemflowMetrics.LLM_FALLBACKS));
        s.pipeline.put("llmInventedIds", accumulator(run, MemflowMetrics.LLM_INVENTED_IDS));
        s.pipeline.put("turnsIn", turnsIn);
        s.pipeline.put("turnsDropped", dropped);
        s.pipeline.put("droppedTurnRatio", SystemScores.round(ratio(dropped, turnsIn)));
        s.pipeline.put("tokensIn", tokensIn);
        s.pipeline.put("tokensKept", tokensKept);
        s.pipeline.put("tokenKeepRatio", SystemScores.round(ratio(tokensKept, tokensIn)));
        s.pipeline.put("topicSegments", segments.size());
        s.pipeline.put("changes", byType);
    }

    private static long accumulator(MemflowRun.Output run, String name) {
        Object v = run.accumulators().get(name);
        return v instanceof Number n ? n.longValue() : 0L;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }

    private static int turnsOf(List<Locomo.Conversation> convs) {
        int n = 0;
        for (Locomo.Conversation c : convs) {
            n += c.turns().size();
        }
        return n;
    }

    private static String notes(MemflowRun.Output run, SystemScores memflow, String model) {
        return String.format(
                "## Notes%n%n"
                        + "- memflow: the real job on a local MiniCluster with an in-process Kafka"
                        + " broker and a bounded source; %,d answers, %,d memory changes and %d"
                        + " dead letters collected; job wall time %.1f s (ingestTurnsPerSecond = turns / job wall"
                        + " time, start-up and questions included). Query latency is the job's"
                        + " retrieval code timed in-process over the memory the job built"
                        + " (reconstructed from the changelog, prepared once per user as the job"
                        + " keeps it); Kafka and Flink hops excluded.%n"
                        + "- naive-rag: every raw turn is a chunk \"speaker: text [shares:"
                        + " caption]\", embedded with the pipeline's model (%s), cosine top-k;"
                        + " for answer recall each chunk carries its"
                        + " session date. ingestTurnsPerSecond = embedding throughput.%n"
                        + "- full-text: the whole conversation is the context (recall 1 by"
                        + " construction); no ingest work (0).%n"
                        + "- No system calls an LLM (memflow consolidates extractively).%n"
                        + "- memflow tiers (sensory accumulators, topic segments that produced"
                        + " memories, changelog by type): %s%n",
                run.answers().size(),
                run.changes().size(),
                run.deadLetters(),
                run.jobSeconds(),
                model,
                memflow.pipeline);
    }
}
