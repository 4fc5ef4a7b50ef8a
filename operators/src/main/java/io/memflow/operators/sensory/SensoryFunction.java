package io.memflow.operators.sensory;

import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.SensoryState;
import io.memflow.state.MemoryStateDescriptors;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed shell of the sensory tier: observations go through {@link SensoryFilter}; queries and
 * commands pass on in order (FORGET_USER clears the ring first).
 */
public class SensoryFunction extends KeyedProcessFunction<String, MemoryInput, MemoryInput> {
    private static final long serialVersionUID = 1L;

    /**
     * Job accumulators with the same counts as the metrics, for callers that need the totals of a
     * finished job ({@code JobExecutionResult}), such as the evaluation, without a reporter.
     */
    public static final String ACC_TURNS_IN = "memflow.sensory.turnsIn";

    public static final String ACC_TURNS_DROPPED = "memflow.sensory.turnsDropped";
    public static final String ACC_TOKENS_IN = "memflow.sensory.tokensIn";
    public static final String ACC_TOKENS_KEPT = "memflow.sensory.tokensKept";

    private final SensoryFilter filter;
    private transient ValueState<SensoryState> state;
    private transient Counter turnsIn;
    private transient Counter turnsDropped;
    private transient Counter tokensIn;
    private transient Counter tokensKept;
    private transient LongCounter[] totals;

    public SensoryFunction(SensoryFilter filter) {
        this.filter = filter;
    }

    @Override
    public void open(OpenContext ctx) {
        state = getRuntimeContext().getState(MemoryStateDescriptors.sensory());
        var g = getRuntimeContext().getMetricGroup().addGroup(MemflowMetrics.GROUP);
        turnsIn = g.counter(MemflowMetrics.TURNS_IN);
        turnsDropped = g.counter(MemflowMetrics.TURNS_DROPPED);
        tokensIn = g.counter(MemflowMetrics.TOKENS_IN);
        tokensKept = g.counter(MemflowMetrics.TOKENS_KEPT);
        totals = new LongCounter[4];
        String[] names = {ACC_TURNS_IN, ACC_TURNS_DROPPED, ACC_TOKENS_IN, ACC_TOKENS_KEPT};
        for (int i = 0; i < totals.length; i++) {
            totals[i] = new LongCounter();
            getRuntimeContext().addAccumulator(names[i], totals[i]);
        }
    }

    @Override
    public void processElement(MemoryInput in, Context ctx, Collector<MemoryInput> out)
            throws Exception {
        if (in.getObservation() != null) {
            SensoryState s = state.value();
            if (s == null) {
                s = SensoryFilter.emptyState();
            }
            SensoryFilter.Decision d = filter.process(s, in.getObservation());
            state.update(s);
            turnsIn.inc();
            tokensIn.inc(d.tokensIn());
            totals[0].add(1);
            totals[2].add(d.tokensIn());
            if (d.kept() == null) {
                turnsDropped.inc();
                totals[1].add(1);
                return;
            }
            tokensKept.inc(d.tokensOut());
            totals[3].add(d.tokensOut());
            out.collect(MemoryInput.newBuilder(in).setObservation(d.kept()).build());
            return;
        }
        if (in.getControl() != null) {
            switch (in.getControl().getType()) {
                case FORGET_USER -> state.clear();
                case CONSOLIDATE_NOW, DELETE_MEMORY -> {
                    // the ring only guards against near-duplicates; nothing to flush or delete
                }
                default -> {
                    // unknown to this version: never clear or change state
                }
            }
        }
        out.collect(in);
    }
}
