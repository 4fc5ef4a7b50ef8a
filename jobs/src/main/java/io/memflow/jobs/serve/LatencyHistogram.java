package io.memflow.jobs.serve;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request latency per route as a Prometheus histogram with fixed buckets (0.5 ms to 10 s), written
 * in the text exposition format. Lock-free counters, so recording costs a few adds on the request
 * path.
 */
public final class LatencyHistogram {
    /** Upper bounds in seconds; +Inf is implied. */
    static final double[] BOUNDS = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10
    };

    private record Series(LongAdder[] buckets, LongAdder count, LongAdder micros) {
        Series() {
            this(adders(BOUNDS.length), new LongAdder(), new LongAdder());
        }
    }

    private final String name;
    private final Map<String, Series> byLabels = new ConcurrentHashMap<>();

    public LatencyHistogram(String name) {
        this.name = name;
    }

    /** Records one request; {@code labels} is the Prometheus label set, e.g. {@code route="/x"}. */
    public void record(String labels, long nanos) {
        Series s = byLabels.computeIfAbsent(labels, l -> new Series());
        double seconds = nanos / 1e9;
        for (int i = 0; i < BOUNDS.length; i++) {
            if (seconds <= BOUNDS[i]) {
                s.buckets()[i].increment();
                break;
            }
        }
        s.count().increment();
        s.micros().add(nanos / 1000);
    }

    /** The histogram in Prometheus text format (cumulative buckets). */
    public void write(StringBuilder out) {
        out.append("# HELP ").append(name).append(" Request latency in seconds.\n");
        out.append("# TYPE ").append(name).append(" histogram\n");
        for (var e : new java.util.TreeMap<>(byLabels).entrySet()) {
            String labels = e.getKey();
            Series s = e.getValue();
            long cumulative = 0;
            for (int i = 0; i < BOUNDS.length; i++) {
                cumulative += s.buckets()[i].sum();
                out.append(name)
                        .append("_bucket{")
                        .append(labels)
                        .append(",le=\"")
                        .append(format(BOUNDS[i]))
                        .append("\"} ")
                        .append(cumulative)
                        .append('\n');
            }
            long count = s.count().sum();
            out.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ");
            out.append(count).append('\n');
            out.append(name).append("_sum{").append(labels).append("} ");
            out.append(format(s.micros().sum() / 1e6)).append('\n');
            out.append(name).append("_count{").append(labels).append("} ");
            out.append(count).append('\n');
        }
    }

    private static String format(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }
}
