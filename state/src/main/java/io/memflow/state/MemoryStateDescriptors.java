package io.memflow.state;

import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.EpisodeState;
import io.memflow.schemas.internal.KeyClock;
import io.memflow.schemas.internal.LongTermMeta;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.PendingInputs;
import io.memflow.schemas.internal.SensoryState;
import io.memflow.schemas.internal.ShortTermState;
import java.time.Duration;
import org.apache.flink.api.common.state.ListStateDescriptor;
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
 * long-term records leave hot state (keeping only their id in {@code long-term-retired}) when
 * archived or merged away past a retention, or past the per-user entry and byte bounds, and go
 * entirely with DELETE_MEMORY and FORGET_USER; the inference tier (only with a model) by its size
 * bound, TTL and FORGET_USER.
 */
public final class MemoryStateDescriptors {
    public static final String EVENT_ORDER = "event-order-buffer";
    public static final String SENSORY = "sensory-ring";
    public static final String SHORT_TERM = "short-term-buffer";
    public static final String LONG_TERM_MEMORIES = "long-term-memories";
    public static final String LONG_TERM_META = "long-term-meta";
    public static final String LONG_TERM_RETIRED = "long-term-retired";
    public static final String INFERENCE_UTTERANCES = "inference-utterances";
    public static final String INFERENCE_SEEN = "inference-utterances-seen";
    public static final String INFERENCE_EPISODES = "inference-episodes";
    public static final String INFERENCE_PENDING = "inference-pending-answers";

    // Added with per-user time: new names, so savepoints of the job-wide watermark era restore
    // (the states are simply absent there and start empty).
    public static final String EVENT_ORDER_CLOCK = "event-order-clock";
    public static final String SHORT_TERM_IDLE_TIMER = "short-term-idle-timer";
    public static final String LONG_TERM_SLEEP_TIMER = "long-term-sleep-timer";
    public static final String INFERENCE_CLOCK = "inference-clock";

    /**
     * A user silent this long loses the inference tier's utterances and episodes. They only feed
     * the KV caches of generated answers; the memories themselves are in the long-term tier.
     */
    public static final Duration INFERENCE_TTL = Duration.ofDays(30);

    /** A user silent this long gets a fresh clock in the ordering operator. */
    public static final Duration CLOCK_TTL = Duration.ofDays(30);

    /** A user silent this long loses the sensory ring; it only guards against near-duplicates. */
    public static final Duration SENSORY_TTL = Duration.ofDays(7);

    private MemoryStateDescriptors() {}

    /**
     * Inputs waiting for the user's own clock to pass them, by event time; each entry dies when the
     * clock or the quiet-release timer releases it.
     */
    public static MapStateDescriptor<Long, PendingInputs> eventOrder() {
        return new MapStateDescriptor<>(
                EVENT_ORDER, Types.LONG, new AvroTypeInfo<>(PendingInputs.class));
    }

    /**
     * The user's own event-time clock. Dies with FORGET_USER, or by TTL after {@link #CLOCK_TTL} of
     * silence (a user back after that starts a fresh clock, which only matters for inputs older
     * than the ones they sent before).
     */
    public static ValueStateDescriptor<KeyClock> eventOrderClock() {
        ValueStateDescriptor<KeyClock> d =
                new ValueStateDescriptor<>(EVENT_ORDER_CLOCK, new AvroTypeInfo<>(KeyClock.class));
        d.enableTimeToLive(ttl(CLOCK_TTL));
        return d;
    }

    /**
     * Wall-clock time of a tier's registered processing-time timer (idle flush, sleep), so the
     * timer can be moved when the user speaks again and a stale one recognised. Cleared when it
     * fires or is cancelled.
     */
    public static ValueStateDescriptor<Long> wallClockTimer(String name) {
        return new ValueStateDescriptor<>(name, Types.LONG);
    }

    /**
     * Event time of the newest of the user's inputs seen by the inference tier's first input: an
     * answer asked at or before it has every utterance before its question in the episodes.
     */
    public static ValueStateDescriptor<Long> inferenceClock() {
        ValueStateDescriptor<Long> d = new ValueStateDescriptor<>(INFERENCE_CLOCK, Types.LONG);
        d.enableTimeToLive(ttl(INFERENCE_TTL));
        return d;
    }

    public static ValueStateDescriptor<SensoryState> sensory() {
        ValueStateDescriptor<SensoryState> d =
                new ValueStateDescriptor<>(SENSORY, new AvroTypeInfo<>(SensoryState.class));
        d.enableTimeToLive(ttl(SENSORY_TTL));
        return d;
    }

    public static ValueStateDescriptor<ShortTermState> shortTerm() {
        return new ValueStateDescriptor<>(SHORT_TERM, new AvroTypeInfo<>(ShortTermState.class));
    }

    public static MapStateDescriptor<String, MemoryRecord> longTermMemories() {
        return new MapStateDescriptor<>(
                LONG_TERM_MEMORIES, Types.STRING, new AvroTypeInfo<>(MemoryRecord.class));
    }

    /**
     * Ids of long-term memories that left hot state ("version" or "version:mergedInto"): their
     * changelog keys still hold history, which a later delete must tombstone.
     */
    public static MapStateDescriptor<String, String> longTermRetired() {
        return new MapStateDescriptor<>(LONG_TERM_RETIRED, Types.STRING, Types.STRING);
    }

    public static ValueStateDescriptor<LongTermMeta> longTermMeta() {
        return new ValueStateDescriptor<>(LONG_TERM_META, new AvroTypeInfo<>(LongTermMeta.class));
    }

    /** Recent utterances of the user (bounded by the operator), the input of episode building. */
    public static ListStateDescriptor<Observation> inferenceUtterances() {
        ListStateDescriptor<Observation> d =
                new ListStateDescriptor<>(
                        INFERENCE_UTTERANCES, new AvroTypeInfo<>(Observation.class));
        d.enableTimeToLive(ttl(INFERENCE_TTL));
        return d;
    }

    /** Utterances the user said in total; the list above keeps only the newest. */
    public static ValueStateDescriptor<Long> inferenceSeen() {
        ValueStateDescriptor<Long> d = new ValueStateDescriptor<>(INFERENCE_SEEN, Types.LONG);
        d.enableTimeToLive(ttl(INFERENCE_TTL));
        return d;
    }

    /** The episode set: centroids and the token ids that rebuild each episode's KV cache. */
    public static ValueStateDescriptor<EpisodeState> inferenceEpisodes() {
        ValueStateDescriptor<EpisodeState> d =
                new ValueStateDescriptor<>(
                        INFERENCE_EPISODES, new AvroTypeInfo<>(EpisodeState.class));
        d.enableTimeToLive(ttl(INFERENCE_TTL));
        return d;
    }

    /**
     * Answers waiting until the tier's first input has passed their question; cleared as they
     * leave.
     */
    public static ListStateDescriptor<MemoryAnswer> inferencePending() {
        return new ListStateDescriptor<>(INFERENCE_PENDING, new AvroTypeInfo<>(MemoryAnswer.class));
    }

    /** Expires a state {@code after} its last write; an expired value is never returned. */
    private static StateTtlConfig ttl(Duration after) {
        return StateTtlConfig.newBuilder(after)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
    }
}
