package io.memflow.jobs;

import static io.memflow.jobs.JobHarness.query;
import static io.memflow.jobs.JobHarness.turn;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.ingest.InputDecoder;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Tenants don't share a clock: while tenant A backfills 10,000 turns dated 2024, a live question of
 * tenant B (asked now) is answered from B's memory as it stands, before A's backlog is through.
 * With one job-wide watermark, B's question waited for the watermark to pass "now", which A's
 * partition held back until its whole backlog was read and processed.
 *
 * <p>The test prints how long B waited and how long A's backlog took; it asserts only the order
 * (B's answer before A's last one), never a wall-clock bound.
 */
class NoisyNeighbourITCase extends JobTestBase {
    static final int BACKLOG = 10_000;

    @Test
    void aBackfillingTenantDoesNotDelayAnotherTenantsLiveAnswer() throws Exception {
        JobHarness h = new JobHarness(kafka, "noisy", Files.createTempDirectory("memflow-noisy"));
        String turns = h.topic(MemflowOptions.TOPIC_TURNS);
        String queries = h.topic(MemflowOptions.TOPIC_QUERIES);
        // B's turns on the other partition of the turns topic than A's: B's turn must not queue
        // behind A's backlog in Kafka itself (nothing could overtake that). B's key on the same
        // keyed subtask as A's (the skew case: the subtask that holds A's backlog serves B too)
        String bUser = "bea";
        for (int i = 0;
                partition("a/ann") == partition("b/" + bUser)
                        || subtask("a", "ann") != subtask("b", bUser);
                i++) {
            bUser = "bea" + i;
        }
        JobClient job = h.start(null);
        try (TopicIo io = h.io();
                AnswerWatch watch =
                        new AnswerWatch(
                                kafka.bootstrapServers(), h.topic(MemflowOptions.TOPIC_ANSWERS))) {
            io.send(queries, query("b", bUser, "warm-up", Instant.now().toString(), "hello?"));
            watch.await("warm-up", Duration.ofMinutes(2));

            Instant start = Instant.parse("2024-01-01T08:00:00Z");
            for (int i = 0; i < BACKLOG; i++) {
                io.sendAsync(
                        turns,
                        turn(
                                "a",
                                "ann",
                                "s" + (i / 40),
                                "A:" + i,
                                start.plusSeconds(60L * i).toString(),
                                "Ann",
                                "Day "
                                        + i
                                        + ": I walked "
                                        + (1000 + i)
                                        + " steps and read page "
                                        + (i % 300)
                                        + " of the novel."));
            }
            String aAsked = start.plusSeconds(60L * BACKLOG + 3600).toString();
            io.sendAsync(queries, query("a", "ann", "a-q", aAsked, "How many steps did I walk?"));
            io.flush();

            Instant now = Instant.now();
            io.send(
                    turns,
                    turn(
                            "b",
                            bUser,
                            "s1",
                            "B:1",
                            now.minusSeconds(60).toString(),
                            "Bea",
                            "I keep bees on the roof of my flat in Porto."));
            long asked = System.nanoTime();
            io.send(queries, query("b", bUser, "b-q", now.toString(), "Where do I keep bees?"));

            MemoryAnswer b = watch.await("b-q", Duration.ofMinutes(10));
            long bSeen = watch.seenAt("b-q");
            watch.await("a-q", Duration.ofMinutes(10));
            long aSeen = watch.seenAt("a-q");
            System.out.printf(
                    "noisy neighbour: B's live answer %.1f s after its question; A's %d-turn"
                            + " backlog answered after %.1f s%n",
                    (bSeen - asked) / 1e9, BACKLOG, (aSeen - asked) / 1e9);

            assertThat(bSeen).as("B answered before A's backlog is through").isLessThan(aSeen);
            // B's memory as it stands: its own turn, nothing of A
            assertThat(b.getMemories())
                    .extracting(RetrievedMemory::getText)
                    .anySatisfy(t -> assertThat(t).contains("bees"))
                    .allSatisfy(t -> assertThat(t).doesNotContain("novel"));
        } finally {
            job.cancel().get();
        }
    }

    /** The keyed subtask (of 2, max parallelism 128) that holds the user's state. */
    static int subtask(String tenant, String user) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                InputDecoder.key(tenant, user), 128, 2);
    }

    static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 2;
    }

    /** Polls the answers topic in the background and notes when each answer first appeared. */
    static final class AnswerWatch implements AutoCloseable {
        private final Map<String, MemoryAnswer> answers = new ConcurrentHashMap<>();
        private final Map<String, Long> seen = new ConcurrentHashMap<>();
        private final Thread poller;
        private volatile boolean running = true;

        AnswerWatch(String bootstrap, String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            poller =
                    new Thread(
                            () -> {
                                try (KafkaConsumer<byte[], byte[]> c =
                                        new KafkaConsumer<>(
                                                p,
                                                new ByteArrayDeserializer(),
                                                new ByteArrayDeserializer())) {
                                    List<TopicPartition> tps =
                                            c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                                                    .map(
                                                            i ->
                                                                    new TopicPartition(
                                                                            topic, i.partition()))
                                                    .toList();
                                    c.assign(tps);
                                    c.seekToBeginning(tps);
                                    poll(c);
                                }
                            },
                            "answer-watch");
            poller.setDaemon(true);
            poller.start();
        }

        private void poll(KafkaConsumer<byte[], byte[]> c) {
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                        MemoryAnswer a = WireFormat.decode(r.value(), MemoryAnswer.class);
                        seen.putIfAbsent(a.getQueryId(), System.nanoTime());
                        answers.putIfAbsent(a.getQueryId(), a);
                    }
                }
            } catch (io.memflow.schemas.codec.WireFormatException e) {
                throw new IllegalStateException(e);
            }
        }

        MemoryAnswer await(String queryId, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!answers.containsKey(queryId) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(answers).as("answer to " + queryId).containsKey(queryId);
            return answers.get(queryId);
        }

        long seenAt(String queryId) {
            return seen.get(queryId);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            poller.join(5_000);
        }
    }
}
