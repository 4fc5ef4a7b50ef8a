package io.memflow.operators.ordering;

import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.PendingInputs;
import io.memflow.state.MemoryStateDescriptors;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Puts one user's inputs into event-time order before the memory tiers see them. Turns, queries and
 * commands arrive on different topics and partitions, so their arrival order is a race; releasing
 * them by watermark makes a query see every turn that happened before it, and makes two runs over
 * the same input produce the same changelog. Inputs with equal event time leave in a fixed order
 * ({@link InputOrder}). An input that arrives behind the watermark (later than the bounded
 * out-of-orderness) is passed on at once: late, but never lost.
 */
public class EventOrderFunction extends KeyedProcessFunction<String, MemoryInput, MemoryInput> {
    private static final long serialVersionUID = 1L;

    private transient MapState<Long, PendingInputs> held;

    @Override
    public void open(OpenContext ctx) {
        held = getRuntimeContext().getMapState(MemoryStateDescriptors.eventOrder());
    }

    @Override
    public void processElement(MemoryInput in, Context ctx, Collector<MemoryInput> out)
            throws Exception {
        long t = in.getEventTime();
        if (t <= ctx.timerService().currentWatermark()) {
            out.collect(in);
            return;
        }
        PendingInputs p = held.get(t);
        if (p == null) {
            p = PendingInputs.newBuilder().setItems(new ArrayList<>()).build();
            ctx.timerService().registerEventTimeTimer(t);
        }
        List<MemoryInput> items = new ArrayList<>(p.getItems());
        items.add(in);
        p.setItems(items);
        held.put(t, p);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MemoryInput> out)
            throws Exception {
        PendingInputs p = held.get(timestamp);
        if (p == null) {
            return;
        }
        held.remove(timestamp);
        List<MemoryInput> items = new ArrayList<>(p.getItems());
        items.sort(InputOrder.INSTANCE);
        items.forEach(out::collect);
    }
}
