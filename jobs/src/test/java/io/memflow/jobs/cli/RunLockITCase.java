package io.memflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.jobs.kafka.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * One run per job, enforced on the broker; and the broker watch of {@code run} against a broker
 * that goes away and comes back.
 */
class RunLockITCase {

    @Test
    void aSecondRunOfTheSameJobIsRefusedAndNamesTheFirst() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(List.of("lock.control"), 1, new Configuration());
            String bootstrap = kafka.bootstrapServers();
            try (RunLock first = RunLock.acquire(bootstrap, "job-a", "lock.control", 8081)) {
                assertThatThrownBy(() -> RunLock.acquire(bootstrap, "job-a", "lock.control", 8082))
                        .isInstanceOf(CliException.class)
                        .hasMessageContaining("already running")
                        .hasMessageContaining("process " + ProcessHandle.current().pid())
                        .hasMessageContaining("web UI port 8081")
                        .hasMessageContaining("-Dmemflow.kafka.group-id");
                // another job (its own group) is not affected
                try (RunLock other = RunLock.acquire(bootstrap, "job-b", "lock.control", 0)) {
                    assertThat(other).isNotNull();
                }
            }
            // the first stopped: the lock is free again
            try (RunLock again = RunLock.acquire(bootstrap, "job-a", "lock.control", 8081)) {
                assertThat(again).isNotNull();
            }
        }
    }

    @Test
    void theBrokerWatchReportsLossAndReturn() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        EmbeddedKafka kafka = EmbeddedKafka.start(port);
        Thread watch = RunWatch.watchBroker(kafka.bootstrapServers(), Duration.ofMillis(500), out);
        try {
            Thread.sleep(2_000);
            kafka.close();
            awaitOutput(bytes, "lost the broker at localhost:" + port);
            kafka = EmbeddedKafka.start(port);
            awaitOutput(bytes, "reachable again after");
        } finally {
            watch.interrupt();
            kafka.close();
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .doesNotContain("Exception:")
                .contains("the job keeps retrying");
    }

    private static void awaitOutput(ByteArrayOutputStream bytes, String text)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!bytes.toString(StandardCharsets.UTF_8).contains(text)
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains(text);
    }
}
