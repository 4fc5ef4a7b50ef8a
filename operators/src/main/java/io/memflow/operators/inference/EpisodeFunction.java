package io.memflow.operators.inference;

import io.memflow.operators.longterm.Tombstones;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.internal.EpisodeMeta;
import io.memflow.schemas.internal.EpisodeState;
import io.memflow.schemas.internal.InferenceRequest;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.Observation;
import io.memflow.state.MemoryStateDescriptors;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed half of the inference tier: keeps each user's recent utterances and episode set (what
 * rebuilds the KV caches, never the caches), and turns every retrieval answer into an {@link
 * InferenceRequest} routed to the nearest episode.
 *
 * <p>Input 1 is the user's observations in event-time order (full text, before sensory compression:
 * the model reads the conversation, not the memory) plus control commands; input 2 is the long-term
 * tier's answers. An answer waits until input 1 has passed its query time on the user's own clock
 * (the newest event time input 1 delivered for the user: the question itself travels on input 1
 * too), so every utterance before the question is in the episodes whatever the two inputs' relative
 * latency, and no other user's time is involved: replays route and answer the same way.
 *
 * <p>Episodes are rebuilt lazily, on the first question after new utterances; the set's version is
 * part of the engine's cache key, so a cache of an older set is never used.
 */
public class EpisodeFunction
        extends KeyedCoProcessFunction<String, MemoryInput, MemoryAnswer, InferenceRequest> {
    private static final long serialVersionUID = 1L;

    private final InferenceSettings settings;

    private transient ListState<Observation> utterances;

    /** Utterances seen in total (the list keeps only the newest). */
    private transient ValueState<Long> stored;

    private transient ValueState<EpisodeState> episodes;
    private transient ListState<MemoryAnswer> pending;
    private transient ValueState<Long> clock;
    private transient SharedEngines.Handle engine;

    public EpisodeFunction(InferenceSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        utterances = getRuntimeContext().getListState(MemoryStateDescriptors.inferenceUtterances());
        stored = getRuntimeContext().getState(MemoryStateDescriptors.inferenceSeen());
        episodes = getRuntimeContext().getState(MemoryStateDescriptors.inferenceEpisodes());
        pending = getRuntimeContext().getListState(MemoryStateDescriptors.inferencePending());
        clock = getRuntimeContext().getState(MemoryStateDescriptors.inferenceClock());
        engine = SharedEngines.acquire(settings);
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    @Override
    public void processElement1(MemoryInput in, Context ctx, Collector<InferenceRequest> out)
            throws Exception {
        if (in.getObservation() != null) {
            Observation o = Observation.newBuilder(in.getObservation()).setEmbedding(null).build();
            utterances.add(o);
            long n = count() + 1;
            // trim to the newest maxUtterances every maxUtterances adds, so the list never holds
            // more than twice that and is rewritten only now and then
            int max = settings.maxUtterances();
            if (n > max && n % max == 0) {
                List<Observation> all = new ArrayList<>();
                utterances.get().forEach(all::add);
                utterances.update(
                        new ArrayList<>(all.subList(Math.max(0, all.size() - max), all.size())));
            }
            stored.update(n);
        } else if (in.getControl() != null) {
            control(in, ctx, out);
            if (in.getControl().getType() == ControlType.FORGET_USER) {
                return;
            }
        }
        Long seen = clock.value();
        if (seen == null || in.getEventTime() > seen) {
            clock.update(in.getEventTime());
            flush(in.getEventTime(), ctx.getCurrentKey(), out);
        }
    }

    /**
     * FORGET_USER clears the user; the other commands concern memories, which this tier does not
     * hold (it keeps the user's utterances); a command unknown to this version changes nothing.
     */
    private void control(MemoryInput in, Context ctx, Collector<InferenceRequest> out)
            throws Exception {
        switch (in.getControl().getType()) {
            case FORGET_USER -> forget(ctx, out);
            case CONSOLIDATE_NOW, DELETE_MEMORY -> {
                // nothing of these in this tier
            }
            default -> {
                // unknown to this version: never clear or change state
            }
        }
    }

    private void forget(Context ctx, Collector<InferenceRequest> out) throws Exception {
        // answers asked before the forget still get theirs, then nothing of the user is left
        flush(Long.MAX_VALUE, ctx.getCurrentKey(), out);
        utterances.clear();
        stored.clear();
        episodes.clear();
        pending.clear();
        clock.clear();
        out.collect(
                InferenceRequest.newBuilder()
                        .setKey(ctx.getCurrentKey())
                        .setCacheKey(cachePrefix(ctx.getCurrentKey()))
                        .setForget(true)
                        .build());
    }

    @Override
    public void processElement2(MemoryAnswer a, Context ctx, Collector<InferenceRequest> out)
            throws Exception {
        Long seen = clock.value();
        if (seen != null && a.getQueryTime().toEpochMilli() <= seen) {
            out.collect(request(ctx.getCurrentKey(), a));
        } else {
            pending.add(a);
        }
    }

    /**
     * Only event-time timers of savepoints from the job-wide watermark era, at the end of input.
     */
    @Override
    public void onTimer(long ts, OnTimerContext ctx, Collector<InferenceRequest> out)
            throws Exception {
        flush(ts, ctx.getCurrentKey(), out);
    }

    /** Sends every pending answer asked at or before {@code upTo}, in arrival order. */
    private void flush(long upTo, String key, Collector<InferenceRequest> out) throws Exception {
        Iterable<MemoryAnswer> all = pending.get();
        if (all == null) {
            return;
        }
        List<MemoryAnswer> later = new ArrayList<>();
        boolean any = false;
        for (MemoryAnswer a : all) {
            if (a.getQueryTime().toEpochMilli() <= upTo) {
                out.collect(request(key, a));
                any = true;
            } else {
                later.add(a);
            }
        }
        if (any) {
            pending.update(later);
        }
    }

    private InferenceRequest request(String key, MemoryAnswer a) throws Exception {
        EpisodeState set = Tombstones.is(a) ? null : current();
        InferenceRequest.Builder r =
                InferenceRequest.newBuilder().setKey(key).setAnswer(a).setForget(false);
        if (Tombstones.is(a) || set == null || set.getEpisodes().isEmpty()) {
            // a tombstone of the user's answers only passes through, in order
            return r.setCacheKey(cachePrefix(key) + "none").setEpisode(null).build();
        }
        EpisodicEngine e = engine.engine();
        EpisodeMeta ep = set.getEpisodes().get(e.route(a.getQuestion(), set.getEpisodes()));
        return r.setCacheKey(cachePrefix(key) + set.getVersion() + "#" + ep.getId())
                .setEpisode(ep)
                .build();
    }

    /** The episode set, rebuilt first if utterances arrived since it was built. */
    private EpisodeState current() throws Exception {
        EpisodeState set = episodes.value();
        long n = count();
        if (n == 0) {
            return set;
        }
        if (set != null && set.getUtterances() == n) {
            return set;
        }
        List<String> texts = new ArrayList<>();
        List<Observation> all = new ArrayList<>();
        utterances.get().forEach(all::add);
        for (Observation o :
                all.subList(Math.max(0, all.size() - settings.maxUtterances()), all.size())) {
            texts.add(EpisodicEngine.utterance(o.getSpeaker(), o.getText()));
        }
        List<EpisodeMeta> built = engine.engine().build(texts);
        EpisodeState next =
                EpisodeState.newBuilder()
                        .setVersion(set == null ? 1 : set.getVersion() + 1)
                        .setUtterances(n)
                        .setEpisodes(built)
                        .build();
        episodes.update(next);
        return next;
    }

    private long count() throws Exception {
        Long n = stored.value();
        return n == null ? 0 : n;
    }

    /** Prefix of every engine cache key of {@code key}; a forget drops them all. */
    static String cachePrefix(String key) {
        return key + "#";
    }

    /** Texts of the memories an answer used, best first. */
    static List<String> memoryTexts(MemoryAnswer a) {
        List<String> l = new ArrayList<>();
        for (RetrievedMemory m : a.getMemories()) {
            l.add(m.getText());
        }
        return l;
    }
}
