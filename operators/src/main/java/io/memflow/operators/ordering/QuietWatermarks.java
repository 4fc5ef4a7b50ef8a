package io.memflow.operators.ordering;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Bounded out-of-orderness watermarks that catch up with the newest event once the input has been
 * quiet for a while (wall clock). Without it the newest inputs would wait for a later event before
 * the event-time ordering releases them: a question asked of an otherwise silent system would never
 * be answered.
 *
 * <p>The job runs one per Kafka split (partition), in the source: a partition that starts late or
 * lags then holds the watermark back instead of finding its events behind one that another
 * partition advanced. Events stamped {@link Long#MIN_VALUE} (undecodable or invalid, bound for the
 * dead letters) do not move it.
 */
public final class QuietWatermarks<T> implements WatermarkGenerator<T> {
    private final long outOfOrdernessMillis;
    private final long quietMillis;
    private long maxTimestamp = Long.MIN_VALUE;
    private long lastEventNanos = System.nanoTime();
    private long emitted = Long.MIN_VALUE;

    public QuietWatermarks(long outOfOrdernessMillis, long quietMillis) {
        this.outOfOrdernessMillis = outOfOrdernessMillis;
        this.quietMillis = quietMillis;
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
        if (eventTimestamp == Long.MIN_VALUE) {
            return;
        }
        maxTimestamp = Math.max(maxTimestamp, eventTimestamp);
        lastEventNanos = System.nanoTime();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        if (maxTimestamp == Long.MIN_VALUE) {
            return;
        }
        boolean quiet = (System.nanoTime() - lastEventNanos) / 1_000_000 >= quietMillis;
        long w = quiet ? maxTimestamp : maxTimestamp - outOfOrdernessMillis - 1;
        if (w > emitted) {
            emitted = w;
            output.emitWatermark(new Watermark(w));
        }
    }
}
