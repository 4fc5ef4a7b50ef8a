package io.memflow.jobs.kafka;

import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.codec.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Small Kafka client for the demo, the evaluation and tests: sends memflow records the way
 * producers should (single-object Avro, key tenant/user, event time as timestamp) and reads topics
 * {@code read_committed} from the beginning.
 */
public final class TopicIo implements AutoCloseable {
    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;

    public TopicIo(String bootstrap) {
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public void send(String topic, SpecificRecordBase record) {
        sendRaw(
                topic,
                record.get("tenantId") + "/" + record.get("userId"),
                timestamp(record),
                WireFormat.encode(record));
    }

    /** Sends arbitrary bytes (tests use it for bad input). */
    public void sendRaw(String topic, String key, Long timestamp, byte[] value) {
        try {
            producer.send(
                            new ProducerRecord<>(
                                    topic,
                                    null,
                                    timestamp,
                                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                                    value))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic + " at " + bootstrap, e);
        }
    }

    /** Sends without waiting for the acknowledgement (bulk loads); call {@link #flush()} after. */
    public void sendAsync(String topic, SpecificRecordBase record) {
        producer.send(
                new ProducerRecord<>(
                        topic,
                        null,
                        timestamp(record),
                        (record.get("tenantId") + "/" + record.get("userId"))
                                .getBytes(StandardCharsets.UTF_8),
                        WireFormat.encode(record)));
    }

    public void flush() {
        producer.flush();
    }

    /**
     * Reads committed records of {@code type} until {@code count} arrived or the timeout passed.
     */
    public <T extends SpecificRecordBase> List<T> readUntil(
            String topic, Class<T> type, int count, Duration timeout) {
        return read(topic, type, count, timeout, null);
    }

    /** Reads every committed record, stopping after {@code idle} without a new one. */
    public <T extends SpecificRecordBase> List<T> readAll(
            String topic, Class<T> type, Duration idle) {
        return read(topic, type, Integer.MAX_VALUE, Duration.ofMinutes(10), idle);
    }

    private <T extends SpecificRecordBase> List<T> read(
            String topic, Class<T> type, int count, Duration timeout, Duration idle) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records(topic, count, timeout, idle)) {
            if (r.value() == null) {
                continue; // a tombstone: the key was deleted
            }
            try {
                out.add(WireFormat.decode(r.value(), type));
            } catch (WireFormatException e) {
                throw new IllegalStateException(
                        topic + "@" + r.partition() + ":" + r.offset() + " " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Every committed record of {@code topic} as stored, tombstones (null values) included,
     * stopping after {@code idle} without a new one.
     */
    public List<ConsumerRecord<byte[], byte[]>> readRecords(String topic, Duration idle) {
        return records(topic, Integer.MAX_VALUE, Duration.ofMinutes(10), idle);
    }

    private List<ConsumerRecord<byte[], byte[]>> records(
            String topic, int count, Duration timeout, Duration idle) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(10))) {
                tps.add(new TopicPartition(topic, pi.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + timeout.toNanos();
            long lastRecord = System.nanoTime();
            int decodable = 0;
            while (decodable < count && System.nanoTime() < deadline) {
                var records = c.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (idle != null && System.nanoTime() - lastRecord > idle.toNanos()) {
                        break;
                    }
                    continue;
                }
                lastRecord = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    out.add(r);
                    if (r.value() != null) {
                        decodable++;
                    }
                }
            }
        }
        return out;
    }

    /**
     * The record's event time as Kafka timestamp; none for a future one, which the broker would
     * reject (the job itself decides what to do with it).
     */
    public static Long timestamp(SpecificRecordBase r) {
        for (String f : new String[] {"eventTime", "queryTime", "issuedAt"}) {
            if (r.getSchema().getField(f) != null) {
                long t = ((Instant) r.get(f)).toEpochMilli();
                return t <= System.currentTimeMillis() ? t : null;
            }
        }
        return null;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
