package io.memflow.jobs.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.memflow.jobs.MemflowJob;
import io.memflow.jobs.cli.JsonCodec;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.jobs.serve.ServeCommand;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.inference.InferenceSettings;
import io.memflow.operators.inference.KvPool;
import io.memflow.operators.inference.SharedEngines;
import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * The demo: an in-process KRaft broker, the production job on a local MiniCluster (RocksDB,
 * checkpoints), a bundled conversation over several weeks in which facts change, then questions;
 * prints the memories and answers with provenance and a summary.
 */
public final class DemoRunner {
    static final String TENANT = "acme";
    static final String USER = "maya";

    private final PrintStream out;
    private final int webUiPort;
    private final Path model;
    private final long start = System.nanoTime();

    public DemoRunner(PrintStream out, int webUiPort) {
        this(out, webUiPort, null);
    }

    /**
     * @param model a GGUF file: answers then go through the inference operator; null for none
     */
    public DemoRunner(PrintStream out, int webUiPort, Path model) {
        this(out, webUiPort, model, java.util.Map.of());
    }

    /**
     * @param options memflow.* options set on the demo's job (the command's {@code -D})
     */
    public DemoRunner(
            PrintStream out, int webUiPort, Path model, java.util.Map<String, String> options) {
        this.out = out;
        this.webUiPort = webUiPort;
        this.model = model;
        this.options = java.util.Map.copyOf(options);
    }

    private final java.util.Map<String, String> options;

    public int run() throws Exception {
        step("starting an in-process Kafka broker (KRaft)");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            Path checkpoints = Files.createTempDirectory("memflow-demo-");
            Configuration conf = MemflowJob.localDefaults(checkpoints.toUri().toString());
            conf.set(MemflowOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            conf.set(MemflowOptions.TRANSACTIONAL_ID_PREFIX, "memflow-demo");
            conf.set(CoreOptions.DEFAULT_PARALLELISM, 2);
            options.forEach(conf::setString);
            conf.set(
                    org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL,
                    Duration.ofSeconds(1));
            if (model != null) {
                conf.set(MemflowOptions.MODEL_PATH, model.toAbsolutePath().toString());
            }
            if (webUiPort > 0) {
                conf.set(RestOptions.BIND_PORT, webUiPort + "-" + (webUiPort + 20));
            }
            List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(conf));
            topics.addAll(KafkaEndpoints.outputTopics(conf));
            kafka.createTopics(topics, 2, conf);
            step("broker at " + kafka.bootstrapServers() + ", topics created");

            step(
                    "starting the memflow job on a Flink MiniCluster (RocksDB, incremental checkpoints)");
            JobClient job = MemflowJob.start(conf);
            if (webUiPort > 0) {
                step(
                        "Flink web UI: http://localhost:"
                                + webUiPort
                                + " (or the next free port) while the demo runs");
            }
            try (TopicIo io = new TopicIo(kafka.bootstrapServers())) {
                List<ConversationTurn> turns = loadTurns();
                step("feeding " + turns.size() + " turns of a conversation over several weeks");
                int n = 0;
                for (ConversationTurn t : turns) {
                    io.send(conf.get(MemflowOptions.TOPIC_TURNS), t);
                    if (++n % 10 == 0 || n == turns.size()) {
                        progress("turns sent", n, turns.size());
                    }
                }
                step("waiting for the first memories (the job is reading the conversation)");
                io.readUntil(
                        conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES),
                        MemoryChange.class,
                        1,
                        Duration.ofSeconds(60));
                List<MemoryQuery> questions = questions(turns.get(turns.size() - 1).getEventTime());
                step("asking " + questions.size() + " questions a day after the last session");
                for (MemoryQuery q : questions) {
                    io.send(conf.get(MemflowOptions.TOPIC_QUERIES), q);
                }
                step(
                        "waiting for the answers to be committed (exactly-once: visible after a checkpoint)");
                List<MemoryAnswer> answers =
                        io.readUntil(
                                conf.get(MemflowOptions.TOPIC_ANSWERS),
                                MemoryAnswer.class,
                                questions.size(),
                                Duration.ofSeconds(90));
                List<MemoryChange> changes =
                        io.readAll(
                                conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                MemoryChange.class,
                                Duration.ofSeconds(3));
                step("starting memflow serve on loopback and searching over HTTP");
                String overHttp = searchOverHttp(conf, questions.get(0));
                // the engine's pool lives while the job runs: read it before cancelling
                String kv = model == null ? null : kvSummary(conf);
                job.cancel().get();
                printMemories(changes);
                printAnswers(questions, answers);
                out.println();
                out.println(overHttp);
                if (kv != null) {
                    out.println();
                    out.println(kv);
                }
                printSummary(turns, changes, answers);
                boolean complete = answers.size() == questions.size();
                if (model != null && answers.stream().anyMatch(a -> a.getGeneratedText() == null)) {
                    out.println("some answers have no generated text: see the log above");
                    complete = false;
                }
                return complete ? 0 : 1;
            }
        }
    }

    static List<ConversationTurn> loadTurns() throws Exception {
        List<ConversationTurn> turns = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(
                                DemoRunner.class.getResourceAsStream("/demo/conversation.jsonl"),
                                StandardCharsets.UTF_8))) {
            String line;
            int i = 0;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode j = JsonCodec.MAPPER.readTree(line);
                i++;
                String session = j.get("session").asText();
                turns.add(
                        ConversationTurn.newBuilder()
                                .setEventId(TENANT + "/" + USER + "/" + session + ":" + i)
                                .setTenantId(TENANT)
                                .setUserId(USER)
                                .setSessionId(session)
                                .setTurnId(session + ":" + i)
                                .setSpeaker(j.get("speaker").asText())
                                .setRole(
                                        j.get("speaker").asText().equals("Maya")
                                                ? "user"
                                                : "assistant")
                                .setText(j.get("text").asText())
                                .setEventTime(Instant.parse(j.get("time").asText()))
                                .build());
            }
        }
        return turns;
    }

    static List<MemoryQuery> questions(Instant last) {
        String[] qs = {
            "Where does Maya live now?",
            "What is Maya's job?",
            "What is the name of Maya's dog?",
            "Where did Maya travel in May?",
            "What is Maya allergic to?"
        };
        List<MemoryQuery> out = new ArrayList<>();
        for (int i = 0; i < qs.length; i++) {
            out.add(
                    MemoryQuery.newBuilder()
                            .setQueryId("q" + (i + 1))
                            .setTenantId(TENANT)
                            .setUserId(USER)
                            .setText(qs[i])
                            .setQueryTime(last.plus(Duration.ofDays(1)).plusSeconds(i))
                            .setK(3)
                            .build());
        }
        return out;
    }

    /**
     * The read side: {@code serve} on a free loopback port over the same changelog, and the first
     * question asked as {@code POST /v1/memories/search}, as an agent would.
     */
    static String searchOverHttp(Configuration conf, MemoryQuery q) throws Exception {
        try (ServeCommand.Server serve =
                ServeCommand.Server.start(conf, ServeCommand.single(TENANT), "127.0.0.1", 0)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!serve.ready() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String url = "http://127.0.0.1:" + serve.port() + "/v1/memories/search";
            String body =
                    "{\"user_id\":\""
                            + USER
                            + "\",\"query\":\""
                            + q.getText()
                            + "\",\"k\":3,\"query_time\":\""
                            + q.getQueryTime()
                            + "\"}";
            HttpResponse<String> r =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(url))
                                            .header("Content-Type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofString(body))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            StringBuilder b =
                    new StringBuilder("== Search over HTTP (memflow serve) ==\n")
                            .append("POST ")
                            .append(url)
                            .append(' ')
                            .append(body)
                            .append("\n");
            for (var m : JsonCodec.MAPPER.readTree(r.body()).path("results")) {
                b.append(
                        String.format(
                                "   %.2f  %s%n",
                                m.path("score").asDouble(), m.path("memory").asText()));
            }
            return b.toString().stripTrailing();
        }
    }

    private void printMemories(List<MemoryChange> changes) {
        Map<String, MemoryChange> latest = new LinkedHashMap<>();
        for (MemoryChange c : changes) {
            MemoryChange prev = latest.get(c.getMemoryId());
            if (prev == null || prev.getVersion() < c.getVersion()) {
                latest.put(c.getMemoryId(), c);
            }
        }
        out.println();
        out.println(
                "== Memories ("
                        + latest.size()
                        + ", from "
                        + changes.size()
                        + " changelog events) ==");
        for (MemoryChange c : latest.values()) {
            var r = c.getRecord();
            String validity = r.getValidTo() == null ? "" : "  valid until " + r.getValidTo();
            out.printf(
                    "  %-10s v%d %s  <- %s%s%n",
                    r.getStatus(),
                    r.getVersion(),
                    MemoryText.dated(r),
                    String.join(",", r.getSourceTurnIds()),
                    validity);
        }
    }

    private void printAnswers(List<MemoryQuery> questions, List<MemoryAnswer> answers) {
        out.println();
        out.println("== Answers ==");
        Map<String, MemoryAnswer> byId = new LinkedHashMap<>();
        answers.forEach(a -> byId.put(a.getQueryId(), a));
        for (MemoryQuery q : questions) {
            out.println("Q: " + q.getText());
            MemoryAnswer a = byId.get(q.getQueryId());
            if (a == null) {
                out.println("   (no answer)");
                continue;
            }
            for (RetrievedMemory m : a.getMemories()) {
                String status =
                        m.getStatus() == MemoryStatus.ACTIVE
                                ? ""
                                : " ["
                                        + m.getStatus()
                                        + (m.getValidTo() == null ? "" : " until " + m.getValidTo())
                                        + "]";
                out.printf(
                        "   %.2f  %s%s  (turns %s)%n",
                        m.getScore(), m.getText(), status, String.join(",", m.getSourceTurnIds()));
            }
            if (model != null) {
                out.println(
                        "   generated: "
                                + (a.getGeneratedText() == null
                                        ? "(none)"
                                        : a.getGeneratedText().replace('\n', ' ')));
            }
        }
    }

    /** The KV budget in use, from the TaskManager's engine pool. */
    private static String kvSummary(Configuration conf) {
        InferenceSettings s = InferenceSettings.of(conf);
        KvPool pool = SharedEngines.poolOf(s);
        if (pool == null) {
            return "== KV cache: the engine is not loaded ==";
        }
        return String.format(
                "== KV cache (EpiCache): %d episode caches hold %.1f KiB of KV entries (%.1f KiB"
                        + " allocated) where full caches of the same contexts would hold %.1f KiB;"
                        + " budget M = %d entries per layer per cache, prefill block B = %d; pool"
                        + " budget %.0f MiB per TaskManager, %d caches built, %d evicted ==",
                pool.size(),
                pool.bytesInUse() / 1024.0,
                pool.bytesAllocated() / 1024.0,
                pool.fullBytes() / 1024.0,
                s.budget(),
                s.block(),
                pool.budgetBytes() / (1024.0 * 1024),
                pool.builds(),
                pool.evictions());
    }

    private void printSummary(
            List<ConversationTurn> turns, List<MemoryChange> changes, List<MemoryAnswer> answers) {
        Set<String> kept = new HashSet<>();
        Map<String, Integer> byType = new LinkedHashMap<>();
        for (MemoryChange c : changes) {
            byType.merge(c.getType().name(), 1, Integer::sum);
            // every version carries the provenance, so a version read late or compacted away
            // does not make its turns look dropped
            kept.addAll(c.getRecord().getSourceTurnIds());
        }
        out.println();
        out.printf(
                "== Summary: %d turns in, %d dropped by sensory filtering, %d memories, changelog records read %s (the topic is compacted: older versions may be gone), %d answers, %.1f s ==%n",
                turns.size(),
                turns.size() - kept.size(),
                (int) changes.stream().map(MemoryChange::getMemoryId).distinct().count(),
                byType,
                answers.size(),
                (System.nanoTime() - start) / 1e9);
    }

    private void step(String msg) {
        out.printf("[%5.1fs] %s%n", (System.nanoTime() - start) / 1e9, msg);
        out.flush();
    }

    private void progress(String what, int done, int total) {
        int width = 30;
        int filled = (int) Math.round(width * (double) done / total);
        out.printf(
                "[%5.1fs]   %s [%s%s] %d/%d%n",
                (System.nanoTime() - start) / 1e9,
                what,
                "#".repeat(filled),
                ".".repeat(width - filled),
                done,
                total);
        out.flush();
    }
}
