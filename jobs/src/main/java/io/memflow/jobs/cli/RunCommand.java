package io.memflow.jobs.cli;

import io.memflow.jobs.MemflowJob;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.operators.config.MemflowOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The memflow job against an existing Kafka, on an embedded Flink MiniCluster. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run the memflow job against an existing Kafka (local Flink MiniCluster, RocksDB).")
public class RunCommand implements Callable<Integer> {
    @Mixin ConfigMixin config;

    @Option(
            names = "--checkpoint-dir",
            defaultValue = "file:///tmp/memflow/checkpoints",
            description = "Checkpoint directory URI (default: ${DEFAULT-VALUE}).")
    String checkpointDir;

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
            description = "Flink web UI port, 0 for none (default: ${DEFAULT-VALUE}).")
    int webUiPort;

    @Override
    public Integer call() throws Exception {
        Configuration conf = config.configuration(MemflowJob.localDefaults(checkpointDir));
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        if (webUiPort > 0) {
            conf.set(RestOptions.PORT, webUiPort);
        }
        if (savepoint != null) {
            conf.setString("execution.state-recovery.path", savepoint);
        }
        Preflight.checkModel(conf);
        String bootstrap = conf.get(MemflowOptions.BOOTSTRAP_SERVERS);
        List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(conf));
        topics.addAll(KafkaEndpoints.outputTopics(conf));
        if (createTopics) {
            EmbeddedKafka.createTopics(bootstrap, topics, parallelism, conf);
        }
        Preflight.checkTopics(bootstrap, topics);
        JobClient job = MemflowJob.start(conf);
        System.out.println("memflow job " + job.getJobID() + " running against " + bootstrap);
        if (webUiPort > 0) {
            System.out.println("Flink web UI: http://localhost:" + webUiPort);
        }
        System.out.println(
                "reading "
                        + String.join(", ", KafkaEndpoints.inputTopics(conf))
                        + "; writing "
                        + String.join(", ", KafkaEndpoints.outputTopics(conf)));
        System.out.println("Ctrl-C stops the job (state is in " + checkpointDir + ").");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> job.cancel()));
        job.getJobExecutionResult().get();
        return 0;
    }
}
