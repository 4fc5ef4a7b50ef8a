package io.memflow.jobs.kafka;

import java.lang.reflect.Field;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.PreboundSocketFactoryManager;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft Kafka broker inside this JVM (Kafka's own {@code KafkaClusterTestKit}), bound
 * to loopback only. Used by {@code demo}, {@code broker}, {@code eval} and the integration tests;
 * never for production.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final PortForwarder forwarder;

    private EmbeddedKafka(KafkaClusterTestKit cluster, PortForwarder forwarder) {
        this.cluster = cluster;
        this.forwarder = forwarder;
    }

    /**
     * Starts a broker.
     *
     * @param port fixed bootstrap port on 127.0.0.1 (forwarded to the broker), or 0 for the
     *     broker's own free port
     */
    public static EmbeddedKafka start(int port) throws Exception {
        TestKitNodes.Builder nodes =
                new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBootstrapMetadataVersion(MetadataVersion.latestProduction());
        TestKitNodes built = nodes.build();
        KafkaClusterTestKit cluster =
                new KafkaClusterTestKit.Builder(built)
                        // loopback only: the test kit's own listeners name "localhost" but its
                        // pre-bound ports listen on every interface (see loopbackOnly)
                        .setConfigProp(
                                "listeners",
                                built.brokerListenerName().value()
                                        + "://127.0.0.1:0,"
                                        + built.controllerListenerName().value()
                                        + "://127.0.0.1:0")
                        // a one-node cluster: internal topics cannot be replicated
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("offsets.topic.num.partitions", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("transaction.state.log.num.partitions", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setConfigProp("auto.create.topics.enable", "false")
                        // the log cleaner looks for compactable segments every second, so a
                        // compacted topic sheds deleted keys soon (tests check it)
                        .setConfigProp("log.cleaner.backoff.ms", "1000")
                        .build();
        loopbackOnly(cluster);
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        PortForwarder forwarder = null;
        if (port > 0) {
            String[] hostPort = cluster.bootstrapServers().split(",")[0].split(":");
            try {
                forwarder = new PortForwarder(port, hostPort[0], Integer.parseInt(hostPort[1]));
            } catch (java.io.IOException e) {
                cluster.close();
                throw e;
            }
        }
        return new EmbeddedKafka(cluster, forwarder);
    }

    /**
     * The test kit reserves each node's ports by binding server sockets on the wildcard address
     * before the node starts, and hands those sockets to the node's listeners while they are open.
     * Closing them first makes each listener bind the same port on its configured host (127.0.0.1)
     * instead. The sockets are private to the test kit, so they are reached by reflection; if that
     * ever fails (a Kafka upgrade), starting fails rather than silently listening on every
     * interface.
     */
    private static void loopbackOnly(KafkaClusterTestKit cluster) throws Exception {
        int closed = 0;
        for (Field f : KafkaClusterTestKit.class.getDeclaredFields()) {
            if (!PreboundSocketFactoryManager.class.isAssignableFrom(f.getType())) {
                continue;
            }
            f.setAccessible(true);
            Object manager = f.get(cluster);
            Field socketsField = PreboundSocketFactoryManager.class.getDeclaredField("sockets");
            socketsField.setAccessible(true);
            synchronized (manager) {
                Map<?, ?> byNode = (Map<?, ?>) socketsField.get(manager);
                for (Object byListener : byNode.values()) {
                    for (Object socket : ((Map<?, ?>) byListener).values()) {
                        ((ServerSocketChannel) socket).close();
                        closed++;
                    }
                }
            }
        }
        if (closed == 0) {
            cluster.close();
            throw new IllegalStateException(
                    "the embedded broker could not be limited to loopback (Kafka test kit"
                            + " internals changed)");
        }
    }

    /** Every host:port the broker listens on: the broker and controller listeners. */
    public List<String> listeners() {
        List<String> all = new ArrayList<>(List.of(cluster.bootstrapServers().split(",")));
        all.addAll(List.of(cluster.bootstrapControllers().split(",")));
        return all;
    }

    /** The fixed bootstrap address when one was asked for, else the broker's own. */
    public String bootstrapServers() {
        return forwarder != null ? "localhost:" + forwarder.port() : cluster.bootstrapServers();
    }

    /** Creates the topics that don't exist yet; memory-changes is compacted. */
    public void createTopics(List<String> names, int partitions, ReadableConfig conf)
            throws Exception {
        createTopics(bootstrapServers(), names, partitions, conf, Map.of());
    }

    public static void createTopics(
            String bootstrap, List<String> names, int partitions, ReadableConfig conf)
            throws Exception {
        createTopics(bootstrap, names, partitions, conf, Map.of());
    }

    /**
     * Creates the topics that do not exist yet, each with its memflow configuration ({@link
     * KafkaEndpoints#topicConfig}) plus {@code overrides} by topic name (tests use it for
     * aggressive compaction).
     */
    public static void createTopics(
            String bootstrap,
            List<String> names,
            int partitions,
            ReadableConfig conf,
            Map<String, Map<String, String>> overrides)
            throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> topics = new ArrayList<>();
            for (String n : names) {
                Map<String, String> configs = new HashMap<>(KafkaEndpoints.topicConfig(conf, n));
                configs.putAll(overrides.getOrDefault(n, Map.of()));
                topics.add(new NewTopic(n, partitions, (short) 1).configs(configs));
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
        if (forwarder != null) {
            forwarder.close();
        }
        cluster.close();
    }
}
