package io.memflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * The CLI as an operator uses it: {@code java -jar memflow.jar run} as a process (it relaunches
 * itself in a child JVM), {@code kill -9} of that process, then the same command again. The child
 * exits with its parent, the second run says it resumes from a checkpoint on its first line, and a
 * question about a fact from before the kill is answered from memory. A run with an empty state
 * directory but committed offsets refuses to start.
 */
class RunCommandKillITCase {
    static final Path JAR = Path.of("target", "memflow.jar");

    @Test
    void killNineThenRunAgainResumes() throws Exception {
        assertThat(JAR).as("the jar is packaged before integration tests").isRegularFile();
        Path dir = MemflowJobITCase.scratch();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            Configuration defaults = new Configuration();
            List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(defaults));
            topics.addAll(KafkaEndpoints.outputTopics(defaults));
            kafka.createTopics(topics, 1, defaults);
            String bootstrap = kafka.bootstrapServers();
            List<String> cmd = run(bootstrap, dir.resolve("state"));

            Proc first = Proc.start(cmd);
            assertThat(first.line(Duration.ofSeconds(60))).startsWith("starting with empty state");
            try (TopicIo io = new TopicIo(bootstrap)) {
                JobHarness.conversation("t1", "ann")
                        .forEach(t -> io.send(defaults.get(MemflowOptions.TOPIC_TURNS), t));
                List<MemoryChange> changes =
                        io.readUntil(
                                defaults.get(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                MemoryChange.class,
                                2,
                                Duration.ofSeconds(120));
                assertThat(changes).hasSizeGreaterThanOrEqualTo(2);
                // one more checkpoint interval, so the newest retained checkpoint has them
                Thread.sleep(3000);
                assertThat(committedPartitions(bootstrap, Duration.ofSeconds(30)))
                        .as("the source commits its offsets on completed checkpoints")
                        .isPositive();

                List<ProcessHandle> children = first.process.descendants().toList();
                assertThat(children).as("the relaunched child JVM").isNotEmpty();
                first.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
                for (ProcessHandle c : children) {
                    c.onExit().get(60, TimeUnit.SECONDS);
                    assertThat(c.isAlive())
                            .as("child " + c.pid() + " exits with its parent")
                            .isFalse();
                }

                Proc refused = Proc.start(run(bootstrap, dir.resolve("empty-state")));
                assertThat(refused.process.onExit().get(120, TimeUnit.SECONDS).exitValue())
                        .isEqualTo(2);
                assertThat(refused.all())
                        .contains("has committed offsets")
                        .contains("--from-scratch")
                        .doesNotContain("Exception");

                Proc second = Proc.start(cmd);
                try {
                    assertThat(second.line(Duration.ofSeconds(60))).startsWith("resuming from ");
                    io.send(
                            defaults.get(MemflowOptions.TOPIC_QUERIES),
                            JobHarness.query(
                                    "t1",
                                    "ann",
                                    "q-after-kill",
                                    "2024-03-27T09:00:00Z",
                                    "What is the name of the dog?"));
                    List<MemoryAnswer> answers =
                            io.readUntil(
                                    defaults.get(MemflowOptions.TOPIC_ANSWERS),
                                    MemoryAnswer.class,
                                    1,
                                    Duration.ofSeconds(120));
                    assertThat(answers)
                            .as(
                                    () ->
                                            "answers; queries "
                                                    + io.readAll(
                                                            defaults.get(
                                                                    MemflowOptions.TOPIC_QUERIES),
                                                            io.memflow.schemas.MemoryQuery.class,
                                                            Duration.ofSeconds(2))
                                                    + "; dead letters "
                                                    + io.readAll(
                                                            defaults.get(
                                                                    MemflowOptions
                                                                            .TOPIC_DEAD_LETTERS),
                                                            io.memflow.schemas.DeadLetter.class,
                                                            Duration.ofSeconds(2))
                                                    + "; changes "
                                                    + io.readAll(
                                                                    defaults.get(
                                                                            MemflowOptions
                                                                                    .TOPIC_MEMORY_CHANGES),
                                                                    MemoryChange.class,
                                                                    Duration.ofSeconds(2))
                                                            .size())
                            .hasSize(1);
                    assertThat(answers.get(0).getMemories())
                            .as("memory from before the kill")
                            .anyMatch(m -> m.getSourceTurnIds().contains("D1:3"));

                    // everything the run opened listens on loopback only (web UI, blob server)
                    long child =
                            second.process
                                    .descendants()
                                    .map(ProcessHandle::pid)
                                    .findFirst()
                                    .orElseThrow();
                    assertThat(ListeningSockets.of(child))
                            .isNotEmpty()
                            .allMatch(ListeningSockets::isLoopback, "a loopback address");

                    // a second run of the same job (other state directory and UI port) refuses
                    Proc twin = Proc.start(run(bootstrap, dir.resolve("twin-state")));
                    assertThat(twin.process.onExit().get(120, TimeUnit.SECONDS).exitValue())
                            .isEqualTo(2);
                    assertThat(twin.all())
                            .contains("already running")
                            .contains("process " + child)
                            .doesNotContain("Exception");
                } finally {
                    second.process.destroy();
                    second.process.descendants().forEach(ProcessHandle::destroy);
                    second.process.onExit().get(60, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Waits until the job's consumer group has committed offsets; returns their count. */
    static int committedPartitions(String bootstrap, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (true) {
                int n =
                        admin.listConsumerGroupOffsets("memflow")
                                .partitionsToOffsetAndMetadata()
                                .get(15, TimeUnit.SECONDS)
                                .size();
                if (n > 0 || System.nanoTime() > deadline) {
                    return n;
                }
                Thread.sleep(500);
            }
        }
    }

    static List<String> run(String bootstrap, Path stateDir) {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "run",
                "--bootstrap-servers",
                bootstrap,
                "--state-dir",
                stateDir.toString(),
                "--web-ui-port",
                "0",
                "--parallelism",
                "1",
                "-Dmemflow.time.quiet-release=500ms",
                "-Dmemflow.embedding.enabled=false");
    }

    /** A process whose stdout and stderr lines are collected as they come. */
    static final class Proc {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuffer everything = new StringBuffer();

        private Proc(Process p) {
            this.process = p;
            Thread t =
                    new Thread(
                            () -> {
                                try (BufferedReader r =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        p.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    String l;
                                    while ((l = r.readLine()) != null) {
                                        lines.add(l);
                                        everything.append(l).append('\n');
                                        System.out.println("[run " + p.pid() + "] " + l);
                                    }
                                } catch (IOException e) {
                                    // the process died; what was read stays
                                }
                            });
            t.setDaemon(true);
            t.start();
        }

        static Proc start(List<String> cmd) throws IOException {
            return new Proc(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }

        /** The first line that is not a JVM or logging warning. */
        String line(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String l = lines.poll(500, TimeUnit.MILLISECONDS);
                if (l != null && !l.startsWith("WARNING") && !l.startsWith("SLF4J")) {
                    return l;
                }
            }
            return "(no line within " + timeout + "; output: " + everything + ")";
        }

        String all() {
            return everything.toString();
        }
    }
}
