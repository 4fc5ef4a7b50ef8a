package io.memflow.operators.ordering;

import io.memflow.schemas.internal.MemoryInput;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Bounded out-of-orderness watermarks that catch up with the newest event once the input has been
 * quiet for a while (wall clock). Without it the newest inputs would wait for a later event before
 * the event-time ordering releases them: a question asked of an otherwise silent system would never
 * be answered.
 */
public final class QuietWatermarks implements WatermarkGenerator<MemoryInput> {
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
    public void onEvent(MemoryInput event, long eventTimestamp, WatermarkOutput output) {
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
