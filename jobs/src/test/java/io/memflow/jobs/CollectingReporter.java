package io.memflow.jobs;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter for tests: keeps every registered metric with its scope, as a Prometheus
 * reporter would see them. Configured with {@code metrics.reporter.collect.factory.class}.
 */
public final class CollectingReporter implements MetricReporter {
    /** Metric identifier (scope components joined by '.') → metric, for every metric registered. */
    static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

    static final List<String> USER_SCOPES = new CopyOnWriteArrayList<>();

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.put(group.getMetricIdentifier(name), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        // keep them: the test reads after the job may have been cancelled
    }

    /** The factory Flink instantiates from the configuration. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CollectingReporter();
        }
    }
}
