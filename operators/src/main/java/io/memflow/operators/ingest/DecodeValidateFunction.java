package io.memflow.operators.ingest;

import io.memflow.operators.metrics.MemflowMetrics;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.RawEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Thin Flink shell around {@link InputDecoder}: good records go on as {@link MemoryInput}, bad ones
 * to the {@link #DEAD_LETTERS} side output. Never throws on input, so bad bytes cannot fail the
 * job.
 */
public class DecodeValidateFunction extends ProcessFunction<RawEvent, MemoryInput> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    /** Answers to rejected queries, for the answers topic: every query gets an answer. */
    public static final OutputTag<MemoryAnswer> ERROR_ANSWERS =
            new OutputTag<>("error-answers", new AvroTypeInfo<>(MemoryAnswer.class));

    private final InputDecoder decoder;
    private transient Counter eventsIn;
    private transient Counter deadLetters;

    public DecodeValidateFunction(InputDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public void open(OpenContext ctx) {
        var group = getRuntimeContext().getMetricGroup().addGroup(MemflowMetrics.GROUP);
        eventsIn = group.counter(MemflowMetrics.EVENTS_IN);
        deadLetters = group.counter(MemflowMetrics.DEAD_LETTERS);
    }

    @Override
    public void processElement(RawEvent raw, Context ctx, Collector<MemoryInput> out) {
        eventsIn.inc();
        InputDecoder.Result r = decoder.decode(raw, System.currentTimeMillis());
        if (r.input() != null) {
            out.collect(r.input());
        } else {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, r.deadLetter());
            if (r.errorAnswer() != null) {
                ctx.output(ERROR_ANSWERS, r.errorAnswer());
            }
        }
    }
}
