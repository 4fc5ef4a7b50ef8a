package io.memflow.deploy;

import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** One rendered overlay and lookups over it. */
record Manifests(String overlay, List<ObjectNode> resources) {

    static Manifests render(Path overlayDir) {
        return new Manifests(overlayDir.getFileName().toString(), Kustomize.render(overlayDir));
    }

    List<ObjectNode> ofKind(String kind) {
        return resources.stream().filter(r -> kind.equals(Kustomize.text(r, "kind"))).toList();
    }

    ObjectNode single(String kind) {
        List<ObjectNode> all = ofKind(kind);
        if (all.size() != 1) {
            throw new AssertionError(overlay + ": expected one " + kind + ", found " + all.size());
        }
        return all.get(0);
    }

    ObjectNode flinkDeployment() {
        return single("FlinkDeployment");
    }

    JsonNode flinkConfiguration() {
        return flinkDeployment().path("spec").path("flinkConfiguration");
    }

    /** A flinkConfiguration value as text, or null. */
    String flinkConf(String key) {
        JsonNode v = flinkConfiguration().get(key);
        return v == null ? null : v.asString();
    }

    /** The Kafka topic name of a KafkaTopic: spec.topicName, else metadata.name. */
    static String topicName(ObjectNode topic) {
        String name = Kustomize.text(topic.path("spec"), "topicName");
        return name != null ? name : Kustomize.text(topic.path("metadata"), "name");
    }

    ObjectNode topic(String kafkaName) {
        return ofKind("KafkaTopic").stream()
                .filter(t -> kafkaName.equals(topicName(t)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(overlay + ": no KafkaTopic " + kafkaName));
    }
}
