package io.memflow.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memflow.jobs.MemflowPipeline;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.MemoryChange;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * What a user and a memory cost in state: runs the memflow job (unbounded source) over turns
 * already in the turns topic, waits until its consumer group has committed the end offsets
 * (everything read and checkpointed), lets one more checkpoint complete, reads that checkpoint's
 * size and duration from the job's REST API, then stops it with a canonical savepoint and measures
 * that too. The figures feed the capacity model in docs/CAPACITY.md.
 *
 * @param users distinct users in the input
 */
record StateFootprint(
        int users,
        int memories,
        long checkpointStateBytes,
        long checkpointDurationMs,
        long savepointBytes) {

    static StateFootprint measure(Configuration base, int users) throws Exception {
        Configuration c = new Configuration(base);
        String group = "memflow-bench-state";
        c.set(MemflowOptions.GROUP_ID, group);
        c.set(MemflowOptions.TRANSACTIONAL_ID_PREFIX, "bench-state");
        Path checkpoints = Files.createTempDirectory("memflow-bench-state");
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        int port = freePort();
        c.set(RestOptions.BIND_PORT, Integer.toString(port));
        String bootstrap = c.get(MemflowOptions.BOOTSTRAP_SERVERS);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        MemflowPipeline.build(
                env,
                c,
                KafkaEndpoints.source(c, false),
                KafkaEndpoints.changesSink(c),
                KafkaEndpoints.answersSink(c),
                KafkaEndpoints.deadLetterSink(c),
                null);
        JobClient job = env.executeAsync("bench-state");
        try {
            awaitCommittedToEnd(bootstrap, group, c.get(MemflowOptions.TOPIC_TURNS));
            URI checkpointsUri =
                    URI.create(
                            "http://127.0.0.1:"
                                    + port
                                    + "/jobs/"
                                    + job.getJobID()
                                    + "/checkpoints");
            long completedBefore = completedCount(checkpointsUri);
            JsonNode latest = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode stats = get(checkpointsUri);
                if (stats.path("counts").path("completed").asLong() > completedBefore + 1) {
                    latest = stats.path("latest").path("completed");
                    break;
                }
                Thread.sleep(500);
            }
            if (latest == null) {
                throw new IllegalStateException("no checkpoint completed after the input was read");
            }
            Path savepoint =
                    Path.of(
                            URI.create(
                                    job.stopWithSavepoint(
                                                    false,
                                                    checkpoints
                                                            .resolve("savepoint")
                                                            .toUri()
                                                            .toString(),
                                                    SavepointFormatType.CANONICAL)
                                            .get(2, TimeUnit.MINUTES)));
            int memories;
            try (TopicIo io = new TopicIo(bootstrap)) {
                Set<String> ids = new HashSet<>();
                for (MemoryChange ch :
                        io.readAll(
                                c.get(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                MemoryChange.class,
                                Duration.ofSeconds(3))) {
                    ids.add(ch.getMemoryId());
                }
                memories = ids.size();
            }
            return new StateFootprint(
                    users,
                    memories,
                    latest.path("state_size").asLong(),
                    latest.path("end_to_end_duration").asLong(),
                    sizeOf(savepoint));
        } catch (Exception e) {
            job.cancel();
            throw e;
        }
    }

    private static void awaitCommittedToEnd(String bootstrap, String group, String topic)
            throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            List<TopicPartition> partitions =
                    admin
                            .describeTopics(List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions()
                            .stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            long end =
                    admin.listOffsets(latest).all().get().values().stream()
                            .mapToLong(r -> r.offset())
                            .sum();
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (System.nanoTime() < deadline) {
                long committed =
                        admin
                                .listConsumerGroupOffsets(group)
                                .partitionsToOffsetAndMetadata()
                                .get()
                                .entrySet()
                                .stream()
                                .filter(e -> e.getKey().topic().equals(topic))
                                .mapToLong(e -> e.getValue() == null ? 0 : e.getValue().offset())
                                .sum();
                if (committed >= end) {
                    return;
                }
                Thread.sleep(1000);
            }
            throw new IllegalStateException("the job did not read the input within 30 minutes");
        }
    }

    private static long completedCount(URI uri) throws Exception {
        return get(uri).path("counts").path("completed").asLong();
    }

    private static JsonNode get(URI uri) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(uri).build(),
                                HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(r.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(
                            f -> {
                                try {
                                    return Files.size(f);
                                } catch (IOException e) {
                                    return 0;
                                }
                            })
                    .sum();
        }
    }

    void print() {
        System.out.printf(
                "state: %d users, %d memories; last checkpoint %d bytes of state in %d ms"
                        + " (%.0f bytes/user, %.0f bytes/memory); canonical savepoint %d bytes"
                        + " (%.0f bytes/memory)%n",
                users,
                memories,
                checkpointStateBytes,
                checkpointDurationMs,
                (double) checkpointStateBytes / users,
                memories == 0 ? 0.0 : (double) checkpointStateBytes / memories,
                savepointBytes,
                memories == 0 ? 0.0 : (double) savepointBytes / memories);
    }
}
