package io.memflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Grafana dashboard charts memflow's own metrics by the names Flink's Prometheus reporter gives
 * them, and ships with every overlay. The metric names come from MemflowMetrics in the operators
 * module, so a renamed or dropped metric breaks this test rather than a panel.
 */
class DashboardTest {

    static final String PREFIX = "flink_taskmanager_job_task_operator_memflow_";

    /** Flink's own metrics the dashboard charts (checkpoint health), by their Prometheus names. */
    static final Set<String> FLINK_OWN =
            Set.of(
                    "flink_jobmanager_job_numberOfCompletedCheckpoints",
                    "flink_jobmanager_job_numberOfFailedCheckpoints");

    private static final Pattern METRIC = Pattern.compile("\\bflink_[A-Za-z0-9_:]+");

    static JsonNode dashboard() {
        return JsonMapper.shared()
                .readTree(Repo.read(Repo.k8s().resolve("grafana/memflow-dashboard.json")));
    }

    static Stream<Path> overlays() {
        return Repo.overlays().stream();
    }

    /** Every PromQL expression in the dashboard: panel targets and templating queries. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels").values()) {
            for (JsonNode target : panel.path("targets").values()) {
                out.add(target.path("expr").asString());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list").values()) {
            if ("query".equals(variable.path("type").asString())) {
                JsonNode q = variable.path("query");
                out.add(q.isObject() ? q.path("query").asString() : q.asString());
            }
        }
        return out;
    }

    static Set<String> metricsIn(String expr) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    @Test
    void everyPanelQueriesOnlyMetricsMemflowRegisters() {
        List<String> known = Repo.memflowMetricNames();
        assertThat(known).isNotEmpty().doesNotHaveDuplicates();
        JsonNode dashboard = dashboard();
        assertThat(dashboard.path("panels").values()).isNotEmpty();
        for (JsonNode panel : dashboard.path("panels").values()) {
            String title = panel.path("title").asString();
            assertThat(panel.path("targets").values()).as(title).isNotEmpty();
            for (JsonNode target : panel.path("targets").values()) {
                String expr = target.path("expr").asString();
                Set<String> used = metricsIn(expr);
                assertThat(used).as(title + ": " + expr).isNotEmpty();
                for (String metric : used) {
                    if (FLINK_OWN.contains(metric)) {
                        continue;
                    }
                    assertThat(metric).as(title).startsWith(PREFIX);
                    assertThat(known)
                            .as(title + ": " + metric)
                            .contains(metric.substring(PREFIX.length()));
                }
            }
        }
        for (String expr : expressions(dashboard)) {
            for (String metric : metricsIn(expr)) {
                if (FLINK_OWN.contains(metric)) {
                    continue;
                }
                assertThat(known).as(expr).contains(metric.substring(PREFIX.length()));
            }
        }
    }

    @Test
    void everyMemflowMetricIsCharted() {
        Set<String> charted = new TreeSet<>();
        expressions(dashboard()).forEach(e -> charted.addAll(metricsIn(e)));
        for (String name : Repo.memflowMetricNames()) {
            assertThat(charted).as("a panel for " + name).contains(PREFIX + name);
        }
    }

    @Test
    void panelsUseTheDashboardsDatasourceAndHaveUniqueIds() {
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : dashboard().path("panels").values()) {
            assertThat(ids.add(panel.path("id").asInt())).isTrue();
            assertThat(panel.path("datasource").path("uid").asString()).isEqualTo("${datasource}");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void dashboardShipsAsAConfigMapAndThePodsAreScraped(Path overlay) {
        Manifests m = Manifests.render(overlay);
        ObjectNode cm = m.single("ConfigMap");
        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asString())
                .isEqualTo("1");
        assertThat(cm.path("data").path("memflow-dashboard.json").asString())
                .isEqualTo(Repo.read(Repo.k8s().resolve("grafana/memflow-dashboard.json")));

        String port = m.flinkConf("metrics.reporter.prom.port");
        JsonNode pod = m.flinkDeployment().path("spec").path("podTemplate");
        JsonNode annotations = pod.path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/scrape").asString()).isEqualTo("true");
        assertThat(annotations.path("prometheus.io/port").asString()).isEqualTo(port);
        assertThat(pod.path("spec").path("containers").get(0).path("ports").values())
                .anySatisfy(p -> assertThat(p.path("containerPort").asString()).isEqualTo(port));
    }
}
