package io.memflow.state;

import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.LongTermMeta;
import io.memflow.schemas.internal.PendingInputs;
import io.memflow.schemas.internal.SensoryState;
import io.memflow.schemas.internal.ShortTermState;
import java.time.Duration;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * The keyed state of every memory tier. The names are part of the savepoint format: never rename
 * one once released (add a new state and migrate instead). All values are Avro records, so state
 * schema evolution follows Avro's rules and nothing falls back to Kryo.
 *
 * <p>How each state dies: sensory by TTL and FORGET_USER; short-term by flush and FORGET_USER;
 * long-term by archive past capacity and FORGET_USER.
 */
public final class MemoryStateDescriptors {
    public static final String EVENT_ORDER = "event-order-buffer";
    public static final String SENSORY = "sensory-ring";
    public static final String SHORT_TERM = "short-term-buffer";
    public static final String LONG_TERM_MEMORIES = "long-term-memories";
    public static final String LONG_TERM_META = "long-term-meta";

    /** A user silent this long loses the sensory ring; it only guards against near-duplicates. */
    public static final Duration SENSORY_TTL = Duration.ofDays(7);

    private MemoryStateDescriptors() {}

    /** Inputs waiting for the watermark, by event time; each entry dies when its timer fires. */
    public static MapStateDescriptor<Long, PendingInputs> eventOrder() {
        return new MapStateDescriptor<>(
                EVENT_ORDER, Types.LONG, new AvroTypeInfo<>(PendingInputs.class));
    }

    public static ValueStateDescriptor<SensoryState> sensory() {
        ValueStateDescriptor<SensoryState> d =
                new ValueStateDescriptor<>(SENSORY, new AvroTypeInfo<>(SensoryState.class));
        d.enableTimeToLive(
                StateTtlConfig.newBuilder(SENSORY_TTL)
                        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                        .build());
        return d;
    }

    public static ValueStateDescriptor<ShortTermState> shortTerm() {
        return new ValueStateDescriptor<>(SHORT_TERM, new AvroTypeInfo<>(ShortTermState.class));
    }

    public static MapStateDescriptor<String, MemoryRecord> longTermMemories() {
        return new MapStateDescriptor<>(
                LONG_TERM_MEMORIES, Types.STRING, new AvroTypeInfo<>(MemoryRecord.class));
    }

    public static ValueStateDescriptor<LongTermMeta> longTermMeta() {
        return new ValueStateDescriptor<>(LONG_TERM_META, new AvroTypeInfo<>(LongTermMeta.class));
    }
}
