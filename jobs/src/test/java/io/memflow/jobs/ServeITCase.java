package io.memflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.jobs.serve.ServeCommand;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.RetrievedMemory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} in the same JVM as the job (its own local MiniCluster on RocksDB) and an in-JVM
 * broker, driven over real HTTP: add a conversation through the API, search it with the job's
 * ranking (the same ids in the same order as a query through Kafka), see a SUPERSEDE in the
 * history, delete by id and by user, and find another tenant's key refused everywhere.
 */
class ServeITCase {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();
    String base;

    @Test
    void addSearchHistoryDeleteOverHttp() throws Exception {
        Path dir = MemflowJobITCase.scratch();
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "# key tenant\nk-acme acme\nk-other other\n");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            JobHarness h = new JobHarness(kafka, "serve", dir.resolve("cp"));
            JobClient job = h.start(null);
            try (ServeCommand.Server serve =
                            ServeCommand.Server.start(
                                    h.conf, ServeCommand.keys(keys), "127.0.0.1", 0);
                    TopicIo io = h.io()) {
                base = "http://127.0.0.1:" + serve.port();
                assertThat(call("GET", "/health", null, null).statusCode()).isEqualTo(200);
                assertThat(call("GET", "/openapi.json", null, null).body())
                        .contains("/v1/memories/search");

                // errors first: no key, bad JSON, k out of range, empty query
                assertThat(call("GET", "/v1/memories?user_id=ann", null, null).statusCode())
                        .isEqualTo(401);
                HttpResponse<String> bad = call("POST", "/v1/memories/search", "k-acme", "{nope");
                assertThat(bad.statusCode()).isEqualTo(400);
                assertThat(JSON.readTree(bad.body()).path("error").path("code").asText())
                        .isEqualTo("bad_json");
                assertThat(
                                call(
                                                "POST",
                                                "/v1/memories/search",
                                                "k-acme",
                                                "{\"user_id\":\"ann\",\"query\":\"x\",\"k\":0}")
                                        .body())
                        .contains("k must be between 1 and 1000");
                assertThat(
                                call(
                                                "POST",
                                                "/v1/memories/search",
                                                "k-acme",
                                                "{\"user_id\":\"ann\",\"query\":\" \"}")
                                        .statusCode())
                        .isEqualTo(400);

                HttpResponse<String> added =
                        call(
                                "POST",
                                "/v1/memories?consolidate=true",
                                "k-acme",
                                messages(
                                        "s1",
                                        "2024-03-04T10:00:00Z",
                                        "I live in Boston near the Charles River.",
                                        "My dog Pepper is a three year old beagle."));
                assertThat(added.statusCode()).isEqualTo(202);
                assertThat(JSON.readTree(added.body()).path("results")).hasSize(2);
                h.awaitFirstChange(io); // the job has started reading every split
                assertThat(
                                call(
                                                "POST",
                                                "/v1/memories?consolidate=true",
                                                "k-acme",
                                                messages(
                                                        "s2",
                                                        "2024-03-25T18:00:00Z",
                                                        "We just moved to Seattle last weekend!",
                                                        "I started a new job as a data analyst at CareLoop."))
                                        .statusCode())
                        .isEqualTo(202);

                JsonNode list =
                        await(
                                "/v1/memories?user_id=ann",
                                "k-acme",
                                n ->
                                        n.path("results").size() >= 4
                                                && n.toString().contains("SUPERSEDED"));
                String boston = idOf(list, "Boston");
                String seattle = idOf(list, "Seattle");

                String search =
                        "{\"user_id\":\"ann\",\"query\":\"Where does Ann live now?\","
                                + "\"query_time\":\"2024-03-27T09:00:00Z\",\"k\":5}";
                JsonNode found =
                        JSON.readTree(call("POST", "/v1/memories/search", "k-acme", search).body());
                List<String> restIds = new ArrayList<>();
                found.path("results").forEach(r -> restIds.add(r.path("id").asText()));
                assertThat(restIds).isNotEmpty().contains(seattle);
                assertThat(found.path("results").get(0).path("source_turn_ids")).isNotEmpty();

                // the same question through Kafka ranks the same memories in the same order
                var q =
                        JobHarness.query(
                                "acme",
                                "ann",
                                "q1",
                                "2024-03-27T09:00:00Z",
                                "Where does Ann live now?");
                q.setK(5);
                io.send(h.topic(MemflowOptions.TOPIC_QUERIES), q);
                List<MemoryAnswer> answers =
                        io.readUntil(
                                h.topic(MemflowOptions.TOPIC_ANSWERS),
                                MemoryAnswer.class,
                                1,
                                Duration.ofSeconds(60));
                assertThat(answers).hasSize(1);
                assertThat(answers.get(0).getMemories())
                        .extracting(RetrievedMemory::getMemoryId)
                        .containsExactlyElementsOf(restIds);

                JsonNode history =
                        JSON.readTree(
                                call("GET", "/v1/memories/" + boston + "/history", "k-acme", null)
                                        .body());
                assertThat(history.toString())
                        .contains("\"event\":\"ADD\"")
                        .contains("\"event\":\"SUPERSEDE\"");

                // another tenant sees, lists and deletes nothing of acme's
                assertThat(call("GET", "/v1/memories/" + seattle, "k-other", null).statusCode())
                        .isEqualTo(404);
                assertThat(call("DELETE", "/v1/memories/" + seattle, "k-other", null).statusCode())
                        .isEqualTo(404);
                assertThat(
                                JSON.readTree(
                                                call(
                                                                "GET",
                                                                "/v1/memories?user_id=ann",
                                                                "k-other",
                                                                null)
                                                        .body())
                                        .path("results"))
                        .isEmpty();
                assertThat(call("GET", "/v1/memories/" + seattle, "k-acme", null).statusCode())
                        .isEqualTo(200);

                assertThat(call("DELETE", "/v1/memories/" + seattle, "k-acme", null).statusCode())
                        .isEqualTo(202);
                await("/v1/memories?user_id=ann", "k-acme", n -> !n.toString().contains(seattle));
                assertThat(call("POST", "/v1/memories/search", "k-acme", search).body())
                        .doesNotContain(seattle);

                String metrics = call("GET", "/metrics", null, null).body();
                assertThat(metrics)
                        .contains("# TYPE memflow_serve_request_seconds histogram")
                        .contains(
                                "memflow_serve_request_seconds_bucket{method=\"POST\","
                                        + "route=\"/v1/memories/search\",le=\"+Inf\"}")
                        .contains("memflow_serve_changelog_lag ")
                        .containsPattern("memflow_serve_view_memories [1-9]");

                assertThat(call("DELETE", "/v1/memories?user_id=ann", "k-acme", null).statusCode())
                        .isEqualTo(202);
                await("/v1/memories?user_id=ann", "k-acme", n -> n.path("results").isEmpty());
                assertThat(
                                JSON.readTree(
                                                call(
                                                                "POST",
                                                                "/v1/memories/search",
                                                                "k-acme",
                                                                search)
                                                        .body())
                                        .path("results"))
                        .isEmpty();
            } finally {
                job.cancel().get();
            }
        }
    }

    static String messages(String session, String time, String... texts) {
        StringBuilder b =
                new StringBuilder(
                        "{\"user_id\":\"ann\",\"session_id\":\"" + session + "\",\"messages\":[");
        Instant t = Instant.parse(time);
        for (int i = 0; i < texts.length; i++) {
            b.append(i == 0 ? "" : ",")
                    .append("{\"role\":\"user\",\"name\":\"Ann\",\"content\":\"")
                    .append(texts[i])
                    .append("\",\"created_at\":\"")
                    .append(t.plusSeconds(60L * i))
                    .append("\"}");
        }
        return b.append("]}").toString();
    }

    static String idOf(JsonNode list, String word) {
        for (JsonNode m : list.path("results")) {
            if (m.path("memory").asText().contains(word)) {
                return m.path("id").asText();
            }
        }
        throw new AssertionError("no memory with " + word + " in " + list);
    }

    JsonNode await(String path, String key, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(call("GET", path, key, null).body());
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("GET " + path + " never matched; last " + last);
    }

    HttpResponse<String> call(String method, String path, String key, String body)
            throws Exception {
        HttpRequest.Builder r =
                HttpRequest.newBuilder(URI.create(base + path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}
