package io.memflow.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Checks before starting a job, so that a wrong address fails in seconds with a clear message. */
final class Preflight {
    private Preflight() {}

    /** A configured model must be a readable file, or the job would fail on every restart. */
    static void checkModel(org.apache.flink.configuration.ReadableConfig conf) {
        String model =
                conf.getOptional(io.memflow.operators.config.MemflowOptions.MODEL_PATH).orElse("");
        if (!model.isBlank() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(model))) {
            throw new CliException(
                    "memflow.inference.model-path "
                            + model
                            + " is not a readable file. Point it at a GGUF model (e.g."
                            + " -Dmemflow.inference.model-path=../shared/data/models/stories260K.gguf)"
                            + " or leave it unset to answer with memories only.");
        }
    }

    static void checkTopics(String bootstrap, List<String> topics) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(p)) {
            Set<String> existing;
            try {
                existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                throw new CliException(
                        "cannot reach Kafka at "
                                + bootstrap
                                + "; start one with `java -jar jobs/target/memflow.jar broker` or pass --bootstrap-servers");
            }
            List<String> missing = new ArrayList<>();
            for (String t : topics) {
                if (!existing.contains(t)) {
                    missing.add(t);
                }
            }
            if (!missing.isEmpty()) {
                throw new CliException(
                        "missing topics on "
                                + bootstrap
                                + ": "
                                + String.join(", ", missing)
                                + "; create them (see README) or add --create-topics");
            }
        }
    }
}
