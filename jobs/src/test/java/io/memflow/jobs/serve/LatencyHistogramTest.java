package io.memflow.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void bucketsAreCumulativeInPrometheusTextFormat() {
        LatencyHistogram h = new LatencyHistogram("x_seconds");
        h.record("route=\"/a\"", 300_000); // 0.3 ms
        h.record("route=\"/a\"", 3_000_000); // 3 ms
        h.record("route=\"/a\"", 20_000_000_000L); // 20 s: only +Inf
        StringBuilder out = new StringBuilder();
        h.write(out);
        assertThat(out.toString())
                .contains("# TYPE x_seconds histogram\n")
                .contains("x_seconds_bucket{route=\"/a\",le=\"0.0005\"} 1\n")
                .contains("x_seconds_bucket{route=\"/a\",le=\"0.005\"} 2\n")
                .contains("x_seconds_bucket{route=\"/a\",le=\"10\"} 2\n")
                .contains("x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n")
                .contains("x_seconds_count{route=\"/a\"} 3\n")
                .contains("x_seconds_sum{route=\"/a\"} 20.0033\n");
    }
}
