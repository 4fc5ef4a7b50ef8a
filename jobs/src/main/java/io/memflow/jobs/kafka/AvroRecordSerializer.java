package io.memflow.jobs.kafka;

import io.memflow.schemas.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a memflow record to its topic in single-object encoding, keyed as docs/ARCHITECTURE.md
 * says (the key function is given per topic), with the record's event time as the Kafka timestamp.
 */
public class AvroRecordSerializer<T extends SpecificRecordBase>
        implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    /** Kafka key and timestamp of a record. */
    public interface Keying<T> extends java.io.Serializable {
        String key(T record);

        Long timestamp(T record);

        /** Whether {@code record} is a deletion marker, written as a null value (tombstone). */
        default boolean tombstone(T record) {
            return false;
        }

        /**
         * The key whose hash picks the partition, when it is not the record key itself (null: the
         * producer's default partitioner on the record key). See {@link UserPartitioner}.
         */
        default String partitionKey(T record) {
            return null;
        }
    }

    private final String topic;
    private final Keying<T> keying;

    public AvroRecordSerializer(String topic, Keying<T> keying) {
        this.topic = topic;
        this.keying = keying;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T element, KafkaSinkContext context, Long timestamp) {
        String partitionKey = keying.partitionKey(element);
        Integer partition =
                partitionKey == null
                        ? null
                        : UserPartitioner.partition(
                                partitionKey, context.getPartitionsForTopic(topic).length);
        return new ProducerRecord<>(
                topic,
                partition,
                keying.timestamp(element),
                keying.key(element).getBytes(StandardCharsets.UTF_8),
                keying.tombstone(element) ? null : WireFormat.encode(element));
    }
}
