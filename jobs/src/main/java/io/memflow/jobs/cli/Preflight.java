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

    /**
     * Fails with a fix-it line when the web UI port is taken (by another run, or any program),
     * instead of Flink's "Could not create the DispatcherResourceManagerComponent" after start-up.
     */
    static void checkPortFree(String bindAddress, int port) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(
                    new java.net.InetSocketAddress(
                            bindAddress == null ? "127.0.0.1" : bindAddress, port));
        } catch (java.io.IOException e) {
            throw portTaken(port);
        }
    }

    static CliException portTaken(int port) {
        return new CliException(
                "port "
                        + port
                        + " for the Flink web UI is already in use (another memflow run or"
                        + " another program): pass --web-ui-port N with a free port, or"
                        + " --web-ui-port 0 to pick one");
    }

    static void checkTopics(String bootstrap, List<String> topics) throws Exception {
        try (Admin admin = admin(bootstrap)) {
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

    /**
     * Refuses a start with empty state when the consumer group already committed offsets: the job
     * would resume reading after them and everything before would never become memory.
     */
    static void refuseEmptyStateWithOffsets(String bootstrap, String group, String checkpointDir)
            throws Exception {
        try (Admin admin = admin(bootstrap)) {
            var offsets =
                    admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(15, TimeUnit.SECONDS);
            if (offsets != null && !offsets.isEmpty()) {
                throw new CliException(
                        "consumer group "
                                + group
                                + " has committed offsets ("
                                + offsets.size()
                                + " partition(s)) but there is no checkpoint of this job in "
                                + checkpointDir
                                + ": starting now would skip every input before those offsets"
                                + " with empty memory. Pass --savepoint PATH (a savepoint or a"
                                + " retained chk-N directory), the --state-dir or --checkpoint-dir"
                                + " the job ran with, or --from-scratch to start over (resets the"
                                + " group's offsets and re-reads the topics).");
            }
        }
    }

    /** Deletes the consumer group's committed offsets (the group must have no live member). */
    static void resetOffsets(String bootstrap, String group) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            try {
                admin.deleteConsumerGroups(List.of(group)).all().get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause()
                        instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                    return;
                }
                if (e.getCause() instanceof org.apache.kafka.common.errors.GroupNotEmptyException) {
                    throw new CliException(
                            "consumer group "
                                    + group
                                    + " still has members: stop the other memflow run first");
                }
                throw e;
            }
        }
    }

    /** An admin client that gives up after 10 s, so a wrong address fails fast. */
    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(p);
    }
}
