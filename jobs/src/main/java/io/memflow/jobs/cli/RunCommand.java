package io.memflow.jobs.cli;

import io.memflow.jobs.MemflowJob;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.operators.config.MemflowOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The memflow job against an existing Kafka, on an embedded Flink MiniCluster. A restart resumes:
 * checkpoints are retained under the state directory with a job id derived from the consumer group
 * ({@link Resume}), and {@code run} restores the newest one without being asked.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run the memflow job against an existing Kafka (local Flink MiniCluster, RocksDB).")
public class RunCommand implements Callable<Integer> {
    @Mixin ConfigMixin config;

    @Option(
            names = "--state-dir",
            description =
                    "Where memflow keeps its checkpoints (default: $MEMFLOW_HOME, else"
                            + " ~/.memflow).")
    Path stateDir;

    @Option(
            names = "--checkpoint-dir",
            description =
                    "Checkpoint directory URI (default: <state-dir>/checkpoints); a remote one"
                            + " (s3://...) is not searched on restart, pass --savepoint.")
    String checkpointDir;

    @Option(
            names = "--from-scratch",
            description =
                    "Start over deliberately: delete this job's checkpoints and the consumer"
                            + " group's committed offsets, then read the input topics from the"
                            + " beginning.")
    boolean fromScratch;

    @Option(
            names = "--parallelism",
            defaultValue = "2",
            description = "Job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--savepoint",
            description = "Restore from this savepoint or retained checkpoint path.")
    String savepoint;

    @Option(
            names = "--create-topics",
            description = "Create missing memflow topics first (local development).")
    boolean createTopics;

    @Option(
            names = "--web-ui-port",
            defaultValue = "8081",
            description =
                    "Flink web UI port on loopback, 0 for a free one (default: ${DEFAULT-VALUE});"
                            + " -Drest.bind-address=0.0.0.0 opens it to other hosts.")
    int webUiPort;

    @Override
    public Integer call() throws Exception {
        if (checkpointDir == null) {
            Path home = stateDir != null ? stateDir : defaultStateDir();
            checkpointDir = home.resolve("checkpoints").toAbsolutePath().toUri().toString();
        }
        Configuration defaults = MemflowJob.localDefaults(checkpointDir);
        // a long-lived run outlives a broker outage: it keeps restarting from its last checkpoint,
        // backing off to a minute, instead of giving up after a few quick attempts
        defaults.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        defaults.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                Duration.ofSeconds(1));
        defaults.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                Duration.ofMinutes(1));
        defaults.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                Integer.MAX_VALUE);
        Configuration conf = config.configuration(defaults);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        if (webUiPort > 0) {
            conf.set(RestOptions.PORT, webUiPort);
        } else {
            conf.set(RestOptions.BIND_PORT, "0");
        }
        Preflight.checkModel(conf);
        if (savepoint != null && fromScratch) {
            throw new CliException(
                    "--savepoint and --from-scratch contradict each other: pass one of them");
        }
        String bootstrap = conf.get(MemflowOptions.BOOTSTRAP_SERVERS);
        String group = conf.get(MemflowOptions.GROUP_ID);
        JobID jobId = Resume.jobId(group);
        List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(conf));
        topics.addAll(KafkaEndpoints.outputTopics(conf));
        if (createTopics) {
            EmbeddedKafka.createTopics(bootstrap, topics, parallelism, conf);
        }
        Preflight.checkTopics(bootstrap, topics);
        if (webUiPort > 0) {
            Preflight.checkPortFree(conf.get(RestOptions.BIND_ADDRESS), webUiPort);
        }
        RunLock lock =
                RunLock.acquire(
                        bootstrap, group, conf.get(MemflowOptions.TOPIC_CONTROL), webUiPort);
        JobClient job;
        try {

            if (fromScratch) {
                Resume.local(checkpointDir)
                        .ifPresent(root -> Resume.deleteCheckpoints(root, jobId));
                Preflight.resetOffsets(bootstrap, group);
                System.out.println(
                        "starting from scratch: deleted the checkpoints of job "
                                + jobId
                                + " and the committed offsets of group "
                                + group
                                + "; reading the input topics from the beginning");
            }
            if (savepoint != null) {
                conf.set(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, jobId.toHexString());
                conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
                System.out.println("resuming from " + savepoint + " (--savepoint)");
            } else {
                Optional<Path> resumed = Resume.configure(conf);
                if (resumed.isPresent()) {
                    System.out.println("resuming from " + resumed.get());
                } else if (!fromScratch) {
                    Preflight.refuseEmptyStateWithOffsets(bootstrap, group, checkpointDir);
                    System.out.println(
                            "starting with empty state (no checkpoint of job "
                                    + jobId
                                    + " in "
                                    + checkpointDir
                                    + ")");
                }
            }
            RunWatch.install(conf);
            job = MemflowJob.start(conf);
        } catch (Exception | Error e) {
            lock.close();
            if (webUiPort > 0 && hasCause(e, java.net.BindException.class)) {
                throw Preflight.portTaken(webUiPort); // taken between the check and the start
            }
            throw e;
        }
        System.out.println("memflow job " + job.getJobID() + " running against " + bootstrap);
        if (webUiPort > 0) {
            System.out.println("Flink web UI: http://localhost:" + webUiPort);
        }
        System.out.println(
                "reading "
                        + String.join(", ", KafkaEndpoints.inputTopics(conf))
                        + "; writing "
                        + String.join(", ", KafkaEndpoints.outputTopics(conf)));
        System.out.println(
                "Ctrl-C stops the job; checkpoints (every "
                        + conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).toSeconds()
                        + " s) are in "
                        + checkpointDir
                        + " and the next run resumes from the newest.");
        RunWatch.watchBroker(bootstrap, Duration.ofSeconds(5), System.out);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        job.cancel().get(30, TimeUnit.SECONDS);
                                    } catch (Exception e) {
                                        // stopping anyway
                                    }
                                    lock.close();
                                }));
        job.getJobExecutionResult().get();
        lock.close();
        return 0;
    }

    static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** $MEMFLOW_HOME, else ~/.memflow: state that outlives reboots, unlike /tmp. */
    static Path defaultStateDir() {
        String home = System.getenv("MEMFLOW_HOME");
        return home != null && !home.isBlank()
                ? Path.of(home)
                : Path.of(System.getProperty("user.home"), ".memflow");
    }
}
