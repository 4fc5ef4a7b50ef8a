package io.memflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The lines {@code run} prints when checkpoints or the broker get into and out of trouble. */
class RunWatchTest {
    static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    @Test
    void checkpointsFailingAndRecoveringPrintOneLineEach() {
        RunWatch.CheckpointHealth h = new RunWatch.CheckpointHealth();
        assertThat(h.observe(3, 0, T0)).isEmpty(); // first sample: nothing to compare
        assertThat(h.observe(4, 0, T0.plusSeconds(2))).isEmpty(); // healthy
        assertThat(h.observe(4, 1, T0.plusSeconds(4)))
                .hasValueSatisfying(l -> assertThat(l).startsWith("checkpoints are failing"));
        assertThat(h.observe(4, 3, T0.plusSeconds(6))).as("still failing: no repeat").isEmpty();
        assertThat(h.observe(5, 3, T0.plusSeconds(9)))
                .hasValue("checkpoints recovered after 5 s (3 failed in between)");
        assertThat(h.observe(6, 3, T0.plusSeconds(11))).isEmpty();
    }

    @Test
    void startingUpNeedsSeveralFailuresBeforeTrouble() {
        RunWatch.CheckpointHealth h = new RunWatch.CheckpointHealth();
        assertThat(h.observe(0, 0, T0)).isEmpty();
        assertThat(h.observe(0, 1, T0.plusSeconds(2))).as("declined while starting").isEmpty();
        assertThat(h.observe(1, 1, T0.plusSeconds(4))).isEmpty();
        RunWatch.CheckpointHealth never = new RunWatch.CheckpointHealth();
        never.observe(0, 0, T0);
        assertThat(never.observe(0, 2, T0.plusSeconds(4))).isEmpty();
        assertThat(never.observe(0, 9, T0.plusSeconds(30))).as("within the grace").isEmpty();
        assertThat(never.observe(0, 10, T0.plusSeconds(34)))
                .hasValueSatisfying(l -> assertThat(l).startsWith("checkpoints are failing"));
    }

    @Test
    void aFailureBesideACompletionIsNotTrouble() {
        RunWatch.CheckpointHealth h = new RunWatch.CheckpointHealth();
        h.observe(3, 0, T0);
        assertThat(h.observe(4, 1, T0.plusSeconds(2))).isEmpty();
    }

    @Test
    void brokerLostAndBackPrintOneLineEach() {
        RunWatch.BrokerHealth h = new RunWatch.BrokerHealth("localhost:9092");
        assertThat(h.observe(true, "", T0)).isEmpty();
        assertThat(h.observe(false, "no answer within 3 s", T0.plusSeconds(5)))
                .hasValueSatisfying(
                        l ->
                                assertThat(l)
                                        .startsWith("lost the broker at localhost:9092")
                                        .contains("no answer within 3 s"));
        assertThat(h.observe(false, "no answer within 3 s", T0.plusSeconds(10))).isEmpty();
        assertThat(h.observe(true, "", T0.plusSeconds(65)))
                .hasValue("broker localhost:9092 reachable again after 60 s");
    }

    @Test
    void aTakenWebUiPortGetsAFixItLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> Preflight.checkPortFree("127.0.0.1", port))
                    .isInstanceOf(CliException.class)
                    .hasMessageContaining("port " + port)
                    .hasMessageContaining("--web-ui-port");
        }
    }
}
