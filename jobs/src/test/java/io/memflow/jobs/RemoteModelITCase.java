package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.control;
import static io.memflow.jobs.JobHarness.conversation;
import static io.memflow.jobs.JobHarness.query;
import static io.memflow.jobs.JobHarness.turn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.jobs.modelserver.ModelServer;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.operators.remote.AnswerPrompt;
import io.memflow.operators.remote.LlmExtractionConsolidator;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryRecord;
import io.memflow.serving.model.LlamaEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * The job against real HTTP model servers: {@code serve-model} (stories260K) for generated answers
 * and LLM extraction, and a server that misbehaves on purpose (invalid JSON, 500, 429, a reply
 * slower than the time-out, and a reply that invents a source turn) for the fall-backs. Calls are
 * counted on the server side.
 */
class RemoteModelITCase extends JobTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TURN_ID = Pattern.compile("(?m)^\\[([^\\]]+)\\] ");

    @Test
    void answersCarryTextFromServeModelAndExtractionIsOneCallPerBatch() throws Exception {
        List<JsonNode> requests = new CopyOnWriteArrayList<>();
        try (LlamaEngine engine = LlamaEngine.open(SharedData.storiesModel(), 1);
                ModelServer server =
                        new ModelServer(engine, "stories260K", requests::add)
                                .start("127.0.0.1", 0)) {
            JobHarness h =
                    new JobHarness(kafka, "remote", MemflowJobITCase.scratch().resolve("cp"));
            h.conf.set(MemflowOptions.ENDPOINT, "http://127.0.0.1:" + server.port() + "/v1");
            h.conf.set(MemflowOptions.ENDPOINT_MODEL, "stories260K");
            h.conf.set(MemflowOptions.CONSOLIDATION_MODE, "llm");
            h.conf.set(MemflowOptions.CONSOLIDATION_MAX_TOKENS, 32);
            h.conf.set(MemflowOptions.MAX_NEW_TOKENS, 16);
            JobClient job = h.start(null);
            try (TopicIo io = h.io()) {
                conversation("t1", "ann")
                        .forEach(t -> io.send(h.topic(MemflowOptions.TOPIC_TURNS), t));
                h.awaitFirstChange(io);
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query(
                                "t1",
                                "ann",
                                "q1",
                                "2024-03-27T09:00:00Z",
                                "Where does Ann live now?"));
                MemoryAnswer answer =
                        io.readUntil(
                                        h.topic(MemflowOptions.TOPIC_ANSWERS),
                                        MemoryAnswer.class,
                                        1,
                                        Duration.ofSeconds(120))
                                .get(0);
                assertThat(answer.getGeneratedText()).as("text from serve-model").isNotBlank();
                assertThat(answer.getMemories()).isNotEmpty();

                // every batch has left short-term memory once the query passed both sessions
                List<MemoryRecord> added = added(io, h);
                Set<String> batches =
                        added.stream()
                                .map(
                                        r ->
                                                r.getTopicId()
                                                        .substring(
                                                                0, r.getTopicId().lastIndexOf('/')))
                                .collect(Collectors.toSet());
                List<JsonNode> extraction = bySystem(requests, LlmExtractionConsolidator.SYSTEM);
                assertThat(extraction).as("one extraction call per batch").hasSize(batches.size());
                assertThat(batches).hasSizeGreaterThanOrEqualTo(2);
                List<Set<String>> turnsPerCall = new ArrayList<>();
                for (JsonNode r : extraction) {
                    turnsPerCall.add(turnIds(r));
                }
                Set<String> union = new HashSet<>();
                turnsPerCall.forEach(
                        s -> {
                            assertThat(union)
                                    .as("a turn goes to one call only")
                                    .doesNotContainAnyElementsOf(s);
                            union.addAll(s);
                        });
                Set<String> provenance = new HashSet<>();
                added.forEach(r -> provenance.addAll(r.getSourceTurnIds()));
                assertThat(union)
                        .as("the calls carried exactly the stored turns")
                        .isEqualTo(provenance);
                assertThat(bySystem(requests, AnswerPrompt.SYSTEM))
                        .as("one answer call")
                        .hasSize(1);
                Map<String, Object> acc =
                        awaitAccumulator(job, MemflowMetrics.LLM_CALLS, (long) extraction.size());
                assertThat(acc.get(MemflowMetrics.LLM_CALLS))
                        .as("the job counts the calls the server saw")
                        .isEqualTo((long) extraction.size());
                assertThat((Long) acc.get(MemflowMetrics.LLM_PROMPT_TOKENS)).isPositive();
                assertThat(bySystem(requests, AnswerPrompt.SYSTEM).get(0).toString())
                        .contains("Where does Ann live now?");
            } finally {
                job.cancel().get();
            }
        }
    }

    @Test
    void extractionKeepsRealProvenanceAndFallsBackOnMisbehavingServers() throws Exception {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Javalin bad = misbehavingServer(calls);
        try {
            JobHarness h =
                    new JobHarness(kafka, "remote-bad", MemflowJobITCase.scratch().resolve("cp"));
            h.conf.set(MemflowOptions.ENDPOINT, "http://127.0.0.1:" + bad.port() + "/v1");
            h.conf.set(MemflowOptions.ENDPOINT_MODEL, "test");
            h.conf.set(MemflowOptions.CONSOLIDATION_MODE, "llm");
            h.conf.set(MemflowOptions.ENDPOINT_TIMEOUT, Duration.ofSeconds(1));
            h.conf.set(MemflowOptions.ENDPOINT_RETRIES, 1);
            List<String> users = List.of("good", "badjson", "err500", "err429", "slow");
            JobClient job = h.start(null);
            try (TopicIo io = h.io()) {
                for (String u : users) {
                    io.send(
                            h.topic(MemflowOptions.TOPIC_TURNS),
                            turn(
                                    "t1",
                                    u,
                                    "s1",
                                    u + ":1",
                                    "2024-05-01T10:00:00Z",
                                    "Ann",
                                    "I adopted a grey cat called Miso from the shelter."));
                    io.send(
                            h.topic(MemflowOptions.TOPIC_TURNS),
                            turn(
                                    "t1",
                                    u,
                                    "s1",
                                    u + ":2",
                                    "2024-05-01T10:01:00Z",
                                    "Ann",
                                    "Next month I start a pottery class on Tuesdays."));
                    io.send(
                            h.topic(MemflowOptions.TOPIC_CONTROL),
                            control(
                                    "t1",
                                    u,
                                    "c-" + u,
                                    "2024-05-01T10:05:00Z",
                                    ControlType.CONSOLIDATE_NOW));
                }
                io.send(
                        h.topic(MemflowOptions.TOPIC_QUERIES),
                        query("t1", "err500", "q-err", "2024-05-01T11:00:00Z", "What cat?"));
                MemoryAnswer answer =
                        io.readUntil(
                                        h.topic(MemflowOptions.TOPIC_ANSWERS),
                                        MemoryAnswer.class,
                                        1,
                                        Duration.ofSeconds(120))
                                .get(0);
                assertThat(answer.getGeneratedText()).as("failed endpoint: no text").isNull();
                assertThat(answer.getMemories()).as("the answer still leaves").isNotEmpty();

                Map<String, List<MemoryRecord>> byUser = awaitAllUsers(io, h, users);
                List<MemoryRecord> good = byUser.get("good");
                assertThat(good).hasSize(1);
                assertThat(good.get(0).getText()).isEqualTo("Ann adopted a grey cat named Miso.");
                assertThat(good.get(0).getSourceTurnIds())
                        .as("the invented id is dropped")
                        .containsExactly("good:1");
                for (String u : List.of("badjson", "err500", "err429", "slow")) {
                    assertThat(byUser.get(u))
                            .as(u + " falls back to the extractive facts")
                            .extracting(MemoryRecord::getMemoryId)
                            .containsExactlyInAnyOrder(
                                    ExtractiveConsolidator.memoryId("t1", u, u + ":1"),
                                    ExtractiveConsolidator.memoryId("t1", u, u + ":2"));
                }
                assertThat(calls.get("good").get()).as("one call per batch").isEqualTo(1);
                assertThat(calls.get("badjson").get()).isEqualTo(1);
                assertThat(calls.get("err500").get()).as("retried once").isEqualTo(2);
                assertThat(calls.get("err429").get()).as("retried once").isEqualTo(2);
                assertThat(calls.get("slow").get()).as("timed out, retried once").isEqualTo(2);
                Map<String, Object> acc = awaitAccumulator(job, MemflowMetrics.LLM_CALLS, 5L);
                assertThat(acc.get(MemflowMetrics.LLM_CALLS)).as("one per batch").isEqualTo(5L);
                assertThat(acc.get(MemflowMetrics.LLM_FALLBACKS)).isEqualTo(4L);
                assertThat(acc.get(MemflowMetrics.LLM_INVENTED_IDS)).isEqualTo(2L);
                assertThat(acc.get(MemflowMetrics.LLM_PROMPT_TOKENS))
                        .as("usage of the two replies that arrived: good and badjson")
                        .isEqualTo(20L);
            } finally {
                job.cancel().get();
            }
        } finally {
            bad.stop();
        }
    }

    /**
     * Chat completions that misbehave by the user of the turns in the prompt; every answer call
     * fails with 500.
     */
    private static Javalin misbehavingServer(Map<String, AtomicInteger> calls) {
        Javalin app = Javalin.create(c -> c.showJavalinBanner = false);
        app.post(
                "/v1/chat/completions",
                ctx -> {
                    JsonNode body = JSON.readTree(ctx.body());
                    Set<String> ids = turnIds(body);
                    if (ids.isEmpty()) {
                        ctx.status(500)
                                .result(
                                        "{\"error\":{\"message\":\"down\",\"type\":\"server_error\",\"code\":null}}");
                        return;
                    }
                    String user = ids.iterator().next().split(":")[0];
                    calls.computeIfAbsent(user, k -> new AtomicInteger()).incrementAndGet();
                    switch (user) {
                        case "good" ->
                                ctx.contentType("application/json")
                                        .result(
                                                completion(
                                                        "{\"facts\":[{\"text\":\"Ann adopted a grey cat named Miso.\","
                                                                + "\"speaker\":\"Ann\",\"date\":\"2024-05-01\","
                                                                + "\"source_turn_ids\":[\"good:1\",\"good:99\"]},"
                                                                + "{\"text\":\"Ann invented this.\",\"speaker\":\"Ann\","
                                                                + "\"date\":null,\"source_turn_ids\":[\"x:7\"]}]}"));
                        case "badjson" ->
                                ctx.contentType("application/json")
                                        .result(
                                                completion(
                                                        "Sure! Here are the facts: Ann has a cat."));
                        case "err500" ->
                                ctx.status(500)
                                        .result(
                                                "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"code\":null}}");
                        case "err429" ->
                                ctx.status(429)
                                        .header("Retry-After", "0")
                                        .result(
                                                "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\",\"code\":null}}");
                        default -> {
                            Thread.sleep(3000);
                            ctx.contentType("application/json")
                                    .result(completion("{\"facts\":[]}"));
                        }
                    }
                });
        return app.start("127.0.0.1", 0);
    }

    private static String completion(String content) {
        ObjectNode c =
                JSON.createObjectNode()
                        .put("id", "x")
                        .put("object", "chat.completion")
                        .put("created", 0)
                        .put("model", "test");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", "stop").putNull("logprobs");
        c.putObject("usage")
                .put("prompt_tokens", 10)
                .put("completion_tokens", 5)
                .put("total_tokens", 15);
        return c.toString();
    }

    private static Set<String> turnIds(JsonNode chatRequest) {
        Set<String> ids = new LinkedHashSet<>();
        if (!LlmExtractionConsolidator.SYSTEM.equals(
                chatRequest.at("/messages/0/content").asText())) {
            return ids;
        }
        Matcher m = TURN_ID.matcher(chatRequest.at("/messages/1/content").asText());
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    private static List<JsonNode> bySystem(List<JsonNode> requests, String system) {
        return requests.stream()
                .filter(r -> system.equals(r.at("/messages/0/content").asText()))
                .toList();
    }

    /**
     * The running job's accumulators once {@code name} has reached {@code expected}: task managers
     * report them with their heartbeats, so a fresh value arrives a little later (at most 60 s).
     */
    private static Map<String, Object> awaitAccumulator(JobClient job, String name, long expected)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Object> acc = job.getAccumulators().get();
        while (!Long.valueOf(expected).equals(acc.get(name)) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            acc = job.getAccumulators().get();
        }
        return acc;
    }

    private static List<MemoryRecord> added(TopicIo io, JobHarness h) {
        return io
                .readAll(
                        h.topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                        MemoryChange.class,
                        Duration.ofSeconds(2))
                .stream()
                .filter(c -> c.getType() == ChangeType.ADD)
                .map(MemoryChange::getRecord)
                .toList();
    }

    private static Map<String, List<MemoryRecord>> awaitAllUsers(
            TopicIo io, JobHarness h, List<String> users) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Map<String, List<MemoryRecord>> byUser = Map.of();
        while (System.nanoTime() < deadline) {
            byUser = added(io, h).stream().collect(Collectors.groupingBy(MemoryRecord::getUserId));
            if (byUser.keySet().containsAll(users)) {
                return byUser;
            }
            Thread.sleep(500);
        }
        assertThat(byUser.keySet()).as("every user's batch consolidated").containsAll(users);
        return byUser;
    }
}
