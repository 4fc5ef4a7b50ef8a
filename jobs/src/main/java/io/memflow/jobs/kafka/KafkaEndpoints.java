package io.memflow.jobs.kafka;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.longterm.Tombstones;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.internal.RawEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Builds the job's Kafka source and its three exactly-once sinks from {@code memflow.*} options.
 * Sinks write in Kafka transactions committed on checkpoints; consumers should read {@code
 * read_committed}.
 */
public final class KafkaEndpoints {
    /** Below the broker's default transaction.max.timeout.ms (15 min). */
    static final String TRANSACTION_TIMEOUT_MS = "300000";

    private KafkaEndpoints() {}

    public static List<String> inputTopics(ReadableConfig conf) {
        return List.of(
                conf.get(MemflowOptions.TOPIC_TURNS),
                conf.get(MemflowOptions.TOPIC_AGENT_EVENTS),
                conf.get(MemflowOptions.TOPIC_QUERIES),
                conf.get(MemflowOptions.TOPIC_CONTROL));
    }

    public static List<String> outputTopics(ReadableConfig conf) {
        return List.of(
                conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES),
                conf.get(MemflowOptions.TOPIC_ANSWERS),
                conf.get(MemflowOptions.TOPIC_DEAD_LETTERS));
    }

    /**
     * The topic configuration memflow expects of its topics (also what {@code broker}, the demo and
     * the Kubernetes manifests create). Every topic keeps the broker's append time as the record
     * timestamp, so time-based retention and compaction lag count from arrival. The changelog is
     * compacted: the newest version of each memory stays, and the tombstone written after a DELETE
     * removes the key. Answers are a response channel kept briefly ({@code
     * memflow.topics.answers-retention}); a forgotten user's answers are also tombstoned by key,
     * which removes them sooner where the topic is compacted.
     */
    public static Map<String, String> topicConfig(ReadableConfig conf, String topic) {
        Map<String, String> c = new HashMap<>();
        // retention and compaction lag count from arrival: producers stamp records with their
        // event time, and a backfill dated months ago would otherwise be deleted by the next
        // retention check before the job read it
        c.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        if (topic.equals(conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES))) {
            c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        } else if (topic.equals(conf.get(MemflowOptions.TOPIC_ANSWERS))) {
            c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
            c.put(
                    TopicConfig.RETENTION_MS_CONFIG,
                    Long.toString(conf.get(MemflowOptions.ANSWERS_RETENTION).toMillis()));
        }
        return Map.copyOf(c);
    }

    /**
     * @param bounded stop at the offsets that are latest when the job starts (eval, tests)
     */
    public static KafkaSource<RawEvent> source(ReadableConfig conf, boolean bounded) {
        OffsetResetStrategy reset =
                "latest".equalsIgnoreCase(conf.get(MemflowOptions.STARTING_OFFSETS))
                        ? OffsetResetStrategy.LATEST
                        : OffsetResetStrategy.EARLIEST;
        KafkaSourceBuilder<RawEvent> b =
                KafkaSource.<RawEvent>builder()
                        .setBootstrapServers(conf.get(MemflowOptions.BOOTSTRAP_SERVERS))
                        .setTopics(inputTopics(conf))
                        .setGroupId(conf.get(MemflowOptions.GROUP_ID))
                        .setStartingOffsets(OffsetsInitializer.committedOffsets(reset))
                        .setDeserializer(new RawEventDeserializer())
                        // only what producers committed; aborted transactions never become memory
                        .setProperty("isolation.level", "read_committed")
                        .setProperties(clientProperties(conf));
        if (bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    public static KafkaSink<MemoryChange> changesSink(ReadableConfig conf) {
        return sink(
                conf,
                conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES),
                "changes",
                new AvroRecordSerializer.Keying<MemoryChange>() {
                    @Override
                    public String key(MemoryChange c) {
                        return c.getTenantId() + "/" + c.getUserId() + "/" + c.getMemoryId();
                    }

                    @Override
                    public String partitionKey(MemoryChange c) {
                        // all of a user's memories on one partition, the one its inputs use, so
                        // a serve replica can own whole users (docs/ARCHITECTURE.md, serve)
                        return UserPartitioner.userKey(c.getTenantId(), c.getUserId());
                    }

                    @Override
                    public Long timestamp(MemoryChange c) {
                        return c.getChangeTime().toEpochMilli();
                    }

                    @Override
                    public boolean tombstone(MemoryChange c) {
                        return Tombstones.is(c);
                    }
                });
    }

    public static KafkaSink<MemoryAnswer> answersSink(ReadableConfig conf) {
        return sink(
                conf,
                conf.get(MemflowOptions.TOPIC_ANSWERS),
                "answers",
                new AvroRecordSerializer.Keying<MemoryAnswer>() {
                    @Override
                    public String key(MemoryAnswer a) {
                        return a.getTenantId() + "/" + a.getUserId();
                    }

                    @Override
                    public Long timestamp(MemoryAnswer a) {
                        return a.getQueryTime().toEpochMilli();
                    }

                    @Override
                    public boolean tombstone(MemoryAnswer a) {
                        return Tombstones.is(a);
                    }
                });
    }

    public static KafkaSink<DeadLetter> deadLetterSink(ReadableConfig conf) {
        return sink(
                conf,
                conf.get(MemflowOptions.TOPIC_DEAD_LETTERS),
                "dead-letters",
                new AvroRecordSerializer.Keying<DeadLetter>() {
                    @Override
                    public String key(DeadLetter d) {
                        return d.getSourceTopic();
                    }

                    @Override
                    public Long timestamp(DeadLetter d) {
                        return d.getSourceTimestamp().toEpochMilli();
                    }
                });
    }

    private static <T extends SpecificRecordBase> KafkaSink<T> sink(
            ReadableConfig conf, String topic, String name, AvroRecordSerializer.Keying<T> keying) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(conf.get(MemflowOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(new AvroRecordSerializer<>(topic, keying))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setKafkaProducerConfig(clientProperties(conf))
                .setTransactionalIdPrefix(
                        conf.get(MemflowOptions.TRANSACTIONAL_ID_PREFIX) + "-" + name)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
    }

    /** Extra client settings (security, credentials) from memflow.kafka.properties-file. */
    static Properties clientProperties(ReadableConfig conf) {
        Properties p = new Properties();
        conf.getOptional(MemflowOptions.KAFKA_PROPERTIES_FILE)
                .ifPresent(
                        f -> {
                            try (InputStream in = Files.newInputStream(Path.of(f))) {
                                p.load(in);
                            } catch (IOException e) {
                                throw new UncheckedIOException(
                                        "cannot read memflow.kafka.properties-file " + f, e);
                            }
                        });
        return p;
    }
}
