package io.memflow.operators.shortterm;

import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import io.memflow.schemas.internal.ShortTermState;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Topic-aware short-term memory (LightMem stage 2), pure logic over {@link ShortTermState}.
 * Observations join the open run until the session changes, the buffer holds {@code flushTokens}
 * tokens, or the user has been silent for {@code idleGapMillis} of event time (or the {@link
 * TopicBoundary} cuts as a turn arrives). A closed run is split into topic segments where the
 * boundary cuts it ({@link TopicBoundary#cuts}: LightMem's adaptive threshold needs the whole run,
 * as LightMem segments its full sensory buffer); the segments wait for the flush and leave together
 * as one {@link SegmentBatch} for consolidation.
 *
 * <p>Idle flushes are decided from event time carried by the data, not from when a timer fires: an
 * observation arriving after a long gap first flushes what was buffered, exactly as the idle timer
 * would have. That keeps replays identical whatever the watermark timing.
 */
public final class ShortTermBuffer implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int flushTokens;
    private final long idleGapMillis;
    private final TopicBoundary boundary;

    public ShortTermBuffer(int flushTokens, long idleGapMillis, TopicBoundary boundary) {
        this.flushTokens = flushTokens;
        this.idleGapMillis = idleGapMillis;
        this.boundary = boundary;
    }

    public static ShortTermState emptyState() {
        return ShortTermState.newBuilder().setPending(new ArrayList<>()).build();
    }

    public long idleGapMillis() {
        return idleGapMillis;
    }

    /** Adds one observation; returns the batches it causes to flush (zero, one or two). */
    public List<SegmentBatch> add(String key, ShortTermState s, Observation obs) {
        List<SegmentBatch> flushed = new ArrayList<>(2);
        if (!isEmpty(s) && obs.getEventTime() - s.getLastEventTime() >= idleGapMillis) {
            flushed.add(flush(key, s, s.getLastEventTime() + idleGapMillis, "idle"));
        }
        Segment open = s.getOpen();
        boolean newSession =
                s.getLastSessionId() != null && !s.getLastSessionId().equals(obs.getSessionId());
        if (open != null && (newSession || boundary.isBoundary(open, obs))) {
            closeOpen(key, s);
            open = null;
        }
        if (open == null) {
            open =
                    Segment.newBuilder()
                            .setSegmentId(key + "#" + obs.getId())
                            .setObservations(new ArrayList<>())
                            .build();
            s.setOpen(open);
        }
        List<Observation> obsList = new ArrayList<>(open.getObservations());
        obsList.add(obs);
        open.setObservations(obsList);
        open.setTokenCount(open.getTokenCount() + obs.getTokenCount());
        boundary.onAdded(open, obs);
        s.setLastEventTime(Math.max(s.getLastEventTime(), obs.getEventTime()));
        s.setLastSessionId(obs.getSessionId());
        if (bufferedTokens(s) >= flushTokens) {
            flushed.add(flush(key, s, obs.getEventTime(), "tokens"));
        }
        return flushed;
    }

    /** Flushes everything buffered (idle timer or CONSOLIDATE_NOW); null when empty. */
    public SegmentBatch flush(String key, ShortTermState s, long time, String trigger) {
        closeOpen(key, s);
        if (s.getPending().isEmpty()) {
            return null;
        }
        List<Segment> segments = new ArrayList<>(s.getPending());
        s.setPending(new ArrayList<>());
        return SegmentBatch.newBuilder()
                .setBatchId(segments.get(0).getSegmentId())
                .setSegments(segments)
                .setFlushTime(time)
                .setTrigger(trigger)
                .build();
    }

    /** Observations still buffered, oldest first: a query may use them before consolidation. */
    public static List<Observation> buffered(ShortTermState s) {
        List<Observation> out = new ArrayList<>();
        if (s == null) {
            return out;
        }
        for (Segment seg : s.getPending()) {
            out.addAll(seg.getObservations());
        }
        if (s.getOpen() != null) {
            out.addAll(s.getOpen().getObservations());
        }
        return out;
    }

    public static boolean isEmpty(ShortTermState s) {
        return s.getOpen() == null && s.getPending().isEmpty();
    }

    static int bufferedTokens(ShortTermState s) {
        int n = 0;
        for (Segment seg : s.getPending()) {
            n += seg.getTokenCount();
        }
        if (s.getOpen() != null) {
            n += s.getOpen().getTokenCount();
        }
        return n;
    }

    /**
     * Moves the open run to the pending segments, split where the boundary cuts it. Each topic
     * segment is named after its first observation, so ids are stable on replay.
     */
    private void closeOpen(String key, ShortTermState s) {
        Segment open = s.getOpen();
        if (open == null) {
            return;
        }
        List<Observation> run = open.getObservations();
        List<Segment> pending = new ArrayList<>(s.getPending());
        int from = 0;
        List<Integer> cuts = new ArrayList<>(boundary.cuts(run));
        cuts.add(run.size());
        for (int to : cuts) {
            if (to <= from || to > run.size()) {
                continue;
            }
            List<Observation> part = new ArrayList<>(run.subList(from, to));
            int tokens = 0;
            for (Observation o : part) {
                tokens += o.getTokenCount();
            }
            pending.add(
                    Segment.newBuilder(open)
                            .setSegmentId(
                                    from == 0
                                            ? open.getSegmentId()
                                            : key + "#" + part.get(0).getId())
                            .setObservations(part)
                            .setTokenCount(tokens)
                            .build());
            from = to;
        }
        s.setPending(pending);
        s.setOpen(null);
    }
}
