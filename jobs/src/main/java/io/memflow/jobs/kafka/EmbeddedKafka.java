package io.memflow.jobs.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft Kafka broker inside this JVM (Kafka's own {@code KafkaClusterTestKit}), bound
 * to loopback only. Used by {@code demo}, {@code broker}, {@code eval} and the integration tests;
 * never for production.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts a broker.
     *
     * @param port fixed client port on 127.0.0.1, or 0 for a free one
     */
    public static EmbeddedKafka start(int port) throws Exception {
        TestKitNodes.Builder nodes =
                new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBootstrapMetadataVersion(MetadataVersion.latestProduction());
        if (port > 0) {
            nodes.setPerServerProperties(
                    Map.of(
                            0,
                            Map.of(
                                    "listeners",
                                    "EXTERNAL://localhost:" + port + ",CONTROLLER://localhost:0")));
        }
        KafkaClusterTestKit cluster =
                new KafkaClusterTestKit.Builder(nodes.build())
                        // a one-node cluster: internal topics cannot be replicated
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("offsets.topic.num.partitions", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("transaction.state.log.num.partitions", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setConfigProp("auto.create.topics.enable", "false")
                        .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates the topics that don't exist yet; memory-changes is compacted. */
    public void createTopics(List<String> names, int partitions, String compactedTopic)
            throws Exception {
        createTopics(bootstrapServers(), names, partitions, compactedTopic);
    }

    public static void createTopics(
            String bootstrap, List<String> names, int partitions, String compactedTopic)
            throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> topics = new ArrayList<>();
            for (String n : names) {
                NewTopic t = new NewTopic(n, partitions, (short) 1);
                if (n.equals(compactedTopic)) {
                    t.configs(
                            Map.of(
                                    TopicConfig.CLEANUP_POLICY_CONFIG,
                                    TopicConfig.CLEANUP_POLICY_COMPACT));
                }
                topics.add(t);
            }
            for (var e : admin.createTopics(topics).values().entrySet()) {
                try {
                    e.getValue().get();
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex;
                    }
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
