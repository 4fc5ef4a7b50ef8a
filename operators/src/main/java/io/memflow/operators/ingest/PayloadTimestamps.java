package io.memflow.operators.ingest;

import io.memflow.schemas.internal.RawEvent;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * Event time for a raw Kafka record, read from its payload in the source, so that watermarks can be
 * generated per partition. The payload's time is what the tiers order by; the Kafka timestamp is
 * not (producers may not set it, and a replay months later must see the same times).
 *
 * <p>A record the decoder would reject gets {@link Long#MIN_VALUE}: it goes to the dead letters and
 * must not move the watermark (a far-future time would make every later event late). This decodes
 * each record twice (here and in {@link DecodeValidateFunction}); Avro decoding of a turn costs
 * microseconds, far below what the tiers spend on it.
 */
public final class PayloadTimestamps implements SerializableTimestampAssigner<RawEvent> {
    private static final long serialVersionUID = 1L;

    private final InputDecoder decoder;

    public PayloadTimestamps(InputDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public long extractTimestamp(RawEvent raw, long recordTimestamp) {
        InputDecoder.Result r = decoder.decode(raw, System.currentTimeMillis());
        return r.input() == null ? Long.MIN_VALUE : r.input().getEventTime();
    }
}
