package io.memflow.jobs.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.metrics.reporter.Scheduled;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Visible trouble for {@code run}: one line when checkpoints start failing and when they recover,
 * and one when the broker becomes unreachable and when it is back. Without these a run looks
 * healthy while nothing it produces becomes visible (answers and changes are committed only by
 * checkpoints), and a broker outage is silent because the Kafka clients retry quietly.
 *
 * <p>Checkpoints are followed through Flink's own job metrics {@code numberOfCompletedCheckpoints}
 * and {@code numberOfFailedCheckpoints} (the latter is also the metric to alert on in production),
 * read by a metric reporter that {@link #install} adds to the run's configuration. The broker is
 * probed every few seconds with an admin request.
 */
public final class RunWatch {
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private RunWatch() {}

    /** Adds the checkpoint reporter to a run's configuration. */
    static void install(Configuration conf) {
        conf.setString("metrics.reporter.memflow-run.factory.class", Factory.class.getName());
        conf.setString("metrics.reporter.memflow-run.interval", "2 s");
    }

    /**
     * Turns successive checkpoint counts into a line per change of health. Before the first
     * checkpoint completes, failures are normal for a while (checkpoints triggered while the tasks
     * still start, load the embedding model or restore state are declined), so trouble then needs
     * failures for {@link #STARTUP_GRACE}; afterwards one failure without a completion is trouble.
     */
    static final class CheckpointHealth {
        static final Duration STARTUP_GRACE = Duration.ofSeconds(30);
        private boolean started;
        private Instant firstFailure;
        private long completed;
        private long failedAtCompletion;
        private Instant failingSince;

        Optional<String> observe(long completedNow, long failedNow, Instant now) {
            if (!started) {
                started = true;
                completed = completedNow;
                failedAtCompletion = completedNow > 0 ? failedNow : 0;
                return Optional.empty();
            }
            long failures = failedNow - failedAtCompletion;
            if (completedNow > completed) {
                completed = completedNow;
                failedAtCompletion = failedNow;
                if (failingSince == null) {
                    return Optional.empty();
                }
                String line =
                        "checkpoints recovered after "
                                + seconds(failingSince, now)
                                + " s ("
                                + failures
                                + " failed in between)";
                failingSince = null;
                return Optional.of(line);
            }
            if (completedNow == 0 && failures > 0 && firstFailure == null) {
                firstFailure = now;
            }
            boolean trouble =
                    completedNow > 0
                            ? failures > 0
                            : firstFailure != null
                                    && !now.isBefore(firstFailure.plus(STARTUP_GRACE));
            if (failingSince == null && trouble) {
                failingSince = now;
                return Optional.of(
                        "checkpoints are failing since "
                                + CLOCK.format(now)
                                + " ("
                                + failures
                                + " failed): answers and memory changes stay invisible until one"
                                + " completes; the cause is in the web UI (Checkpoints tab)");
            }
            return Optional.empty();
        }
    }

    /** Turns successive broker probes into a line per change of reachability. */
    static final class BrokerHealth {
        private final String bootstrap;
        private Instant lostSince;

        BrokerHealth(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        Optional<String> observe(boolean reachable, String reason, Instant now) {
            if (!reachable && lostSince == null) {
                lostSince = now;
                return Optional.of(
                        "lost the broker at "
                                + bootstrap
                                + " at "
                                + CLOCK.format(now)
                                + " ("
                                + reason
                                + "); the job keeps retrying and continues where it stopped");
            }
            if (reachable && lostSince != null) {
                String line =
                        "broker "
                                + bootstrap
                                + " reachable again after "
                                + seconds(lostSince, now)
                                + " s";
                lostSince = null;
                return Optional.of(line);
            }
            return Optional.empty();
        }
    }

    /**
     * Probes the broker every {@code period} on a daemon thread and prints a line on each change.
     */
    static Thread watchBroker(String bootstrap, Duration period, PrintStream out) {
        BrokerHealth health = new BrokerHealth(bootstrap);
        Thread t =
                new Thread(
                        () -> {
                            Properties p = new Properties();
                            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
                            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
                            p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
                            try (Admin admin = Admin.create(p)) {
                                while (!Thread.currentThread().isInterrupted()) {
                                    boolean ok;
                                    String reason = "";
                                    try {
                                        admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                                        ok = true;
                                    } catch (InterruptedException e) {
                                        return;
                                    } catch (Exception e) {
                                        ok = false;
                                        reason =
                                                "no answer within 3 s: "
                                                        + e.getClass().getSimpleName();
                                    }
                                    health.observe(ok, reason, Instant.now())
                                            .ifPresent(l -> out.println("memflow run: " + l));
                                    Thread.sleep(period.toMillis());
                                }
                            } catch (InterruptedException e) {
                                // stopping
                            }
                        },
                        "memflow-broker-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static long seconds(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toSeconds());
    }

    /** Created by Flink from {@code metrics.reporter.memflow-run.factory.class}. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CheckpointReporter(System.out);
        }
    }

    /** Reads the job's checkpoint counters at each report and prints changes of health. */
    static final class CheckpointReporter implements MetricReporter, Scheduled {
        private final PrintStream out;
        private final CheckpointHealth health = new CheckpointHealth();
        private volatile LongSupplier completed;
        private volatile LongSupplier failed;

        CheckpointReporter(PrintStream out) {
            this.out = out;
        }

        @Override
        public void open(MetricConfig config) {}

        @Override
        public void close() {}

        @Override
        public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
            if (!(metric instanceof Gauge<?> gauge)) {
                return;
            }
            if (name.equals("numberOfCompletedCheckpoints")) {
                completed = () -> ((Number) gauge.getValue()).longValue();
            } else if (name.equals("numberOfFailedCheckpoints")) {
                failed = () -> ((Number) gauge.getValue()).longValue();
            }
        }

        @Override
        public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {}

        @Override
        public void report() {
            LongSupplier c = completed;
            LongSupplier f = failed;
            if (c != null && f != null) {
                health.observe(c.getAsLong(), f.getAsLong(), Instant.now())
                        .ifPresent(l -> out.println("memflow run: " + l));
            }
        }
    }
}
