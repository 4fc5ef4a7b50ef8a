package io.memflow.jobs;

import io.memflow.jobs.kafka.KafkaEndpoints;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The production entry point: the memflow job against an existing Kafka. On a Flink cluster
 * (application mode, see deploy/k8s) {@code main} reads the {@code memflow.*} keys from the cluster
 * configuration; {@code memflow run} calls {@link #start} on a local MiniCluster.
 */
public final class MemflowJob {
    static {
        AvroTrust.trustMemflowSchemas();
    }

    private MemflowJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ReadableConfig conf = env.getConfiguration();
        wire(env, conf);
        env.execute("memflow");
    }

    /** Builds the job with Kafka endpoints into {@code env}. */
    public static void wire(StreamExecutionEnvironment env, ReadableConfig conf) {
        MemflowPipeline.build(
                env,
                conf,
                KafkaEndpoints.source(conf, false),
                KafkaEndpoints.changesSink(conf),
                KafkaEndpoints.answersSink(conf),
                KafkaEndpoints.deadLetterSink(conf),
                null);
    }

    /** Local defaults for a job started from the CLI, on top of which the user's keys apply. */
    public static Configuration localDefaults(String checkpointDir) {
        Configuration c =
                io.memflow.state.StateBackendSettings.rocksDb(checkpointDir, Duration.ofSeconds(2));
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        // a stopped or killed run leaves its newest checkpoints for the next run to resume from
        c.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        c.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3);
        // in-flight data sized to ~1 s of throughput, so a record of a quiet user never queues
        // behind minutes of a backfilling user's records
        c.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
        // the web UI (which can cancel jobs) listens on loopback only;
        // -Drest.bind-address=0.0.0.0 opens it wider on purpose
        c.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        c.set(RestOptions.ADDRESS, "127.0.0.1");
        // and so do the blob server and the task managers' data ports
        c.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        c.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        return c;
    }

    /** Starts the Kafka-wired job on a local environment and returns without waiting. */
    public static JobClient start(Configuration conf) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        wire(env, conf);
        return env.executeAsync("memflow");
    }
}
