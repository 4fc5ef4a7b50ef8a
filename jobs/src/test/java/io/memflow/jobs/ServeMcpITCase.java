package io.memflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.jobs.kafka.UserPartitioner;
import io.memflow.jobs.serve.ReplicaAssignment;
import io.memflow.jobs.serve.ServeCommand;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * The MCP tools of {@code serve}, driven by the official SDK's own client against the real job and
 * an in-JVM broker: a conversation added with {@code add_memory}, {@code search_memory} answering
 * the same ids in the same order as REST search (over streamable HTTP with an API key, and over
 * stdio from a {@code memflow mcp} subprocess), another tenant's key confined to its tenant, a key
 * missing refused, {@code delete_memory} removing a memory. Then two replicas each holding one of
 * the changelog's two partitions: the one that owns the user answers like the full view, the other
 * refuses with 421 and names the partition.
 */
class ServeMcpITCase {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SEARCH =
            "{\"user_id\":\"ann\",\"query\":\"Where does Ann live now?\","
                    + "\"query_time\":\"2024-03-27T09:00:00Z\",\"k\":5}";
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void mcpToolsAnswerLikeRestAndReplicasOwnTheirUsers() throws Exception {
        Path dir = MemflowJobITCase.scratch();
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "k-acme acme\nk-other other\n");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            JobHarness h = new JobHarness(kafka, "mcp", dir.resolve("cp"));
            JobClient job = h.start(null);
            try (ServeCommand.Server serve =
                            ServeCommand.Server.start(
                                    h.conf, ServeCommand.keys(keys), "127.0.0.1", 0);
                    TopicIo io = h.io()) {
                String base = "http://127.0.0.1:" + serve.port();
                try (McpSyncClient acme = httpClient(base, "k-acme");
                        McpSyncClient other = httpClient(base, "k-other")) {
                    assertThat(acme.listTools().tools())
                            .extracting(McpSchema.Tool::name)
                            .containsExactlyInAnyOrder(
                                    "add_memory",
                                    "search_memory",
                                    "list_memories",
                                    "delete_memory");

                    JsonNode added =
                            call(
                                    acme,
                                    "add_memory",
                                    conversation(
                                            "s1",
                                            "2024-03-04T10:00:00Z",
                                            "I live in Boston near the Charles River.",
                                            "My dog Pepper is a three year old beagle."));
                    assertThat(added.path("results")).hasSize(2);
                    h.awaitFirstChange(io);
                    call(
                            acme,
                            "add_memory",
                            conversation(
                                    "s2",
                                    "2024-03-25T18:00:00Z",
                                    "We just moved to Seattle last weekend!",
                                    "I started a new job as a data analyst at CareLoop."));
                    JsonNode list =
                            awaitRest(
                                    base + "/v1/memories?user_id=ann",
                                    n ->
                                            n.path("results").size() >= 4
                                                    && n.toString().contains("SUPERSEDED"));

                    List<String> restIds = ids(rest("POST", base + "/v1/memories/search", SEARCH));
                    assertThat(restIds).isNotEmpty();
                    JsonNode viaMcp = call(acme, "search_memory", JSON.readTree(SEARCH));
                    assertThat(ids(viaMcp)).containsExactlyElementsOf(restIds);
                    assertThat(viaMcp.path("results").get(0).path("source_turn_ids")).isNotEmpty();
                    assertThat(ids(call(acme, "list_memories", Map.of("user_id", "ann"))))
                            .containsExactlyElementsOf(ids(list));

                    // another tenant's key sees and deletes nothing of acme's
                    assertThat(call(other, "search_memory", JSON.readTree(SEARCH)).path("results"))
                            .isEmpty();
                    McpSchema.CallToolResult refused =
                            other.callTool(
                                    new McpSchema.CallToolRequest(
                                            "delete_memory", Map.of("memory_id", restIds.get(0))));
                    assertThat(refused.isError()).isTrue();
                    assertThat(text(refused)).contains("not_found");
                    assertThatThrownBy(() -> httpClient(base, null).initialize())
                            .isInstanceOf(RuntimeException.class);

                    // the same tools over stdio, from a memflow mcp subprocess
                    try (McpSyncClient stdio = stdioClient(h)) {
                        JsonNode found = null;
                        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                        while (System.nanoTime() < deadline) {
                            found = call(stdio, "search_memory", JSON.readTree(SEARCH));
                            if (ids(found).equals(restIds)) {
                                break;
                            }
                            Thread.sleep(500);
                        }
                        assertThat(ids(found)).containsExactlyElementsOf(restIds);
                    }

                    replicasOwnTheirUsers(h, keys, restIds);

                    String gone = restIds.get(0);
                    assertThat(call(acme, "delete_memory", Map.of("memory_id", gone)).toString())
                            .contains("delete of " + gone);
                    awaitRest(base + "/v1/memories?user_id=ann", n -> !n.toString().contains(gone));
                    assertThat(ids(call(acme, "search_memory", JSON.readTree(SEARCH))))
                            .doesNotContain(gone);
                }
            } finally {
                job.cancel().get();
            }
        }
    }

    /** Two replicas, one partition each: ann's owner answers as the full view, the other 421s. */
    void replicasOwnTheirUsers(JobHarness h, Path keys, List<String> restIds) throws Exception {
        int annPartition = UserPartitioner.partition(UserPartitioner.userKey("acme", "ann"), 2);
        try (ServeCommand.Server owner =
                        ServeCommand.Server.start(
                                h.conf,
                                ServeCommand.keys(keys),
                                "127.0.0.1",
                                0,
                                ReplicaAssignment.partitions(Set.of(annPartition)));
                ServeCommand.Server stranger =
                        ServeCommand.Server.start(
                                h.conf,
                                ServeCommand.keys(keys),
                                "127.0.0.1",
                                0,
                                ReplicaAssignment.partitions(Set.of(1 - annPartition)))) {
            String ownerUrl = "http://127.0.0.1:" + owner.port();
            String strangerUrl = "http://127.0.0.1:" + stranger.port();
            awaitRest(ownerUrl + "/health", n -> "ready".equals(n.path("status").asText()));
            awaitRest(strangerUrl + "/health", n -> "ready".equals(n.path("status").asText()));
            // every memory of ann is on her partition: the owner holds all, the other none
            assertThat(ids(rest("POST", ownerUrl + "/v1/memories/search", SEARCH)))
                    .containsExactlyElementsOf(restIds);
            assertThat(stranger.view.memories()).isZero();
            HttpResponse<String> misdirected =
                    send("POST", strangerUrl + "/v1/memories/search", SEARCH);
            assertThat(misdirected.statusCode()).isEqualTo(421);
            JsonNode error = JSON.readTree(misdirected.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("wrong_replica");
            assertThat(error.path("message").asText()).contains("partition " + annPartition);
        }
    }

    static McpSyncClient httpClient(String base, String key) {
        HttpClientStreamableHttpTransport.Builder t =
                HttpClientStreamableHttpTransport.builder(base)
                        .endpoint("/mcp")
                        .jsonMapper(new JacksonMcpJsonMapper(JSON));
        if (key != null) {
            t.httpRequestCustomizer(
                    (request, method, uri, body, context) ->
                            request.header("Authorization", "Bearer " + key));
        }
        return client(t.build());
    }

    /** {@code memflow mcp} in a child JVM on this test's class path, tenant acme. */
    static McpSyncClient stdioClient(JobHarness h) {
        List<String> args = new ArrayList<>();
        args.addAll(
                List.of(
                        "--add-modules=jdk.incubator.vector",
                        "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.memflow.schemas",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.memflow.jobs.cli.MemflowCli",
                        "mcp",
                        "--bootstrap-servers",
                        h.kafka.bootstrapServers(),
                        "--tenant",
                        "acme"));
        h.conf.toMap()
                .forEach(
                        (k, v) -> {
                            if (k.startsWith("memflow.")) {
                                args.add("-D" + k + "=" + v);
                            }
                        });
        ServerParameters params =
                ServerParameters.builder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString())
                        .args(args)
                        .build();
        StdioClientTransport transport =
                new StdioClientTransport(params, new JacksonMcpJsonMapper(JSON));
        transport.setStdErrorHandler(line -> System.err.println("memflow mcp: " + line));
        return client(transport);
    }

    static McpSyncClient client(McpClientTransport transport) {
        McpSyncClient c =
                McpClient.sync(transport)
                        .requestTimeout(Duration.ofSeconds(60))
                        .initializationTimeout(Duration.ofSeconds(60))
                        .build();
        return c;
    }

    static JsonNode call(McpSyncClient client, String tool, Object args) throws Exception {
        if (!client.isInitialized()) {
            client.initialize();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(args, Map.class);
        McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest(tool, map));
        assertThat(r.isError()).as(tool + ": " + text(r)).isFalse();
        return JSON.readTree(text(r));
    }

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    static Map<String, Object> conversation(String session, String time, String... texts)
            throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> m =
                JSON.readValue(ServeITCase.messages(session, time, texts), Map.class);
        m.put("consolidate", true);
        return m;
    }

    static List<String> ids(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.path("results").forEach(r -> out.add(r.path("id").asText()));
        return out;
    }

    JsonNode rest(String method, String url, String body) throws Exception {
        HttpResponse<String> r = send(method, url, body);
        assertThat(r.statusCode()).as(r.body()).isLessThan(300);
        return JSON.readTree(r.body());
    }

    HttpResponse<String> send(String method, String url, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .header("Authorization", "Bearer k-acme")
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode awaitRest(String url, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(send("GET", url, null).body());
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("GET " + url + " never matched; last " + last);
    }
}
