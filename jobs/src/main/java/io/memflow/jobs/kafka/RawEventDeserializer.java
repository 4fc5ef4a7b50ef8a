package io.memflow.jobs.kafka;

import io.memflow.schemas.internal.RawEvent;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Keeps each Kafka record as raw bytes with its coordinates. Decoding happens in the job, where a
 * failure becomes a dead letter instead of a failed source.
 */
public class RawEventDeserializer implements KafkaRecordDeserializationSchema<RawEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawEvent> out) {
        out.collect(
                RawEvent.newBuilder()
                        .setTopic(r.topic())
                        .setPartition(r.partition())
                        .setOffset(r.offset())
                        .setTimestamp(r.timestamp())
                        .setKey(r.key() == null ? null : ByteBuffer.wrap(r.key()))
                        .setValue(r.value() == null ? null : ByteBuffer.wrap(r.value()))
                        .build());
    }

    @Override
    public TypeInformation<RawEvent> getProducedType() {
        return new AvroTypeInfo<>(RawEvent.class);
    }
}
