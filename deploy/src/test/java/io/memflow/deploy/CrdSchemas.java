package io.memflow.deploy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * JSON schemas for every resource kind deploy/k8s uses: the served versions of the CRDs in {@code
 * shared/data/k8s-crds/} (Flink Kubernetes Operator, Strimzi), plus small hand-written schemas for
 * the two built-in kinds (ConfigMap, PersistentVolumeClaim).
 *
 * <p>A CRD carries an OpenAPI v3 structural schema. It becomes a Draft 2020-12 JSON schema by these
 * rules, which mirror how the API server treats a manifest under {@code kubectl apply}'s strict
 * field validation:
 *
 * <ul>
 *   <li>an object with {@code properties} and neither {@code additionalProperties} nor {@code
 *       x-kubernetes-preserve-unknown-fields} rejects unknown fields (so a misspelt key fails
 *       instead of being pruned silently);
 *   <li>{@code nullable: true} adds {@code "null"} to the type;
 *   <li>{@code x-kubernetes-int-or-string} without an {@code anyOf} allows integer or string;
 *   <li>other {@code x-kubernetes-*} keywords (CEL rules, list types) and {@code format} (OpenAPI
 *       formats such as int32 are not JSON-schema formats) are dropped. CEL rules are therefore not
 *       checked here.
 * </ul>
 */
final class CrdSchemas {

    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private static final String CONFIG_MAP =
            """
            {"type": "object", "required": ["apiVersion", "kind", "metadata"],
             "additionalProperties": false,
             "properties": {
               "apiVersion": {"const": "v1"}, "kind": {"const": "ConfigMap"},
               "metadata": {"type": "object", "required": ["name"]},
               "immutable": {"type": "boolean"},
               "data": {"type": "object", "additionalProperties": {"type": "string"}},
               "binaryData": {"type": "object", "additionalProperties": {"type": "string"}}}}
            """;
    private static final String PVC =
            """
            {"type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
             "additionalProperties": false,
             "properties": {
               "apiVersion": {"const": "v1"}, "kind": {"const": "PersistentVolumeClaim"},
               "metadata": {"type": "object", "required": ["name"]},
               "spec": {"type": "object", "required": ["accessModes", "resources"],
                 "additionalProperties": false,
                 "properties": {
                   "accessModes": {"type": "array", "minItems": 1, "items": {"enum":
                     ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]}},
                   "storageClassName": {"type": "string"},
                   "volumeMode": {"enum": ["Filesystem", "Block"]},
                   "volumeName": {"type": "string"},
                   "selector": {"type": "object"},
                   "resources": {"type": "object", "required": ["requests"],
                     "properties": {
                       "requests": {"type": "object", "required": ["storage"]},
                       "limits": {"type": "object"}}}}}}}
            """;

    private final SchemaRegistry registry =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    /** "group/version Kind" to schema. */
    private final Map<String, Schema> schemas = new TreeMap<>();

    /** "group Kind" to the versions the CRD serves, for a helpful message. */
    private final Map<String, List<String>> served = new TreeMap<>();

    private CrdSchemas() {}

    /**
     * Loads every CRD under {@code crdRoot} (recursively, *.yml and *.yaml). Fails if the folder is
     * missing: the check must never pass by having nothing to check against.
     */
    static CrdSchemas load(Path crdRoot) {
        if (!Files.isDirectory(crdRoot)) {
            throw new IllegalStateException(
                    "CRD folder "
                            + crdRoot.toAbsolutePath()
                            + " is missing. The manifests are validated against the Flink"
                            + " Kubernetes Operator and Strimzi CRDs in shared/data/k8s-crds/;"
                            + " run the build from the repository with ../shared beside it, or"
                            + " pass -Dmemflow.shared.dir=<shared>.");
        }
        CrdSchemas out = new CrdSchemas();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(crdRoot)) {
            files =
                    walk.filter(
                                    p ->
                                            p.toString().endsWith(".yml")
                                                    || p.toString().endsWith(".yaml"))
                            .sorted()
                            .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            for (ObjectNode doc : Kustomize.readYamlDocuments(file)) {
                if ("CustomResourceDefinition".equals(Kustomize.text(doc, "kind"))) {
                    out.addCrd(doc);
                }
            }
        }
        if (out.schemas.isEmpty()) {
            throw new IllegalStateException("no CustomResourceDefinition found under " + crdRoot);
        }
        ObjectNode cm = (ObjectNode) YAMLMapper.shared().readTree(CONFIG_MAP);
        ObjectNode pvc = (ObjectNode) YAMLMapper.shared().readTree(PVC);
        out.schemas.put("v1 ConfigMap", out.registry.getSchema(cm));
        out.schemas.put("v1 PersistentVolumeClaim", out.registry.getSchema(pvc));
        return out;
    }

    private void addCrd(ObjectNode crd) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asString();
        String kind = spec.path("names").path("kind").asString();
        List<String> versions = new ArrayList<>();
        for (JsonNode v : spec.path("versions").values()) {
            if (!v.path("served").asBoolean(false)) {
                continue;
            }
            JsonNode openApi = v.path("schema").path("openAPIV3Schema");
            if (!openApi.isObject()) {
                throw new IllegalStateException(kind + " " + v.path("name") + ": no schema");
            }
            String apiVersion = group + "/" + v.path("name").asString();
            versions.add(apiVersion);
            ObjectNode schema = toJsonSchema(openApi);
            // the API server accepts the type and object metadata on every resource; CRD schemas
            // often leave them out
            ObjectNode props = schema.withObjectProperty("properties");
            props.putObject("apiVersion").put("const", apiVersion);
            props.putObject("kind").put("const", kind);
            if (!props.has("metadata")) {
                props.putObject("metadata").put("type", "object");
            }
            ArrayNode required =
                    schema.has("required")
                            ? (ArrayNode) schema.get("required")
                            : schema.putArray("required");
            for (String field : List.of("apiVersion", "kind", "metadata")) {
                if (!required.toString().contains("\"" + field + "\"")) {
                    required.add(field);
                }
            }
            schemas.put(apiVersion + " " + kind, registry.getSchema(schema));
        }
        served.put(group + " " + kind, versions);
    }

    /** The apiVersions served for a kind, e.g. [kafka.strimzi.io/v1]. */
    List<String> servedVersions(String group, String kind) {
        return served.getOrDefault(group + " " + kind, List.of());
    }

    /** Problems with one resource; empty when it is valid. */
    List<String> validate(ObjectNode resource) {
        String apiVersion = Kustomize.text(resource, "apiVersion");
        String kind = Kustomize.text(resource, "kind");
        String name = Kustomize.text(resource.path("metadata"), "name");
        String where = apiVersion + " " + kind + " " + name;
        List<String> problems = new ArrayList<>();
        if (name == null || name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            problems.add(where + ": metadata.name is not a DNS-1123 subdomain");
        }
        Schema schema = schemas.get(apiVersion + " " + kind);
        if (schema == null) {
            String group = apiVersion == null ? "" : apiVersion.replaceFirst("/[^/]*$", "");
            problems.add(
                    where
                            + ": no schema for this apiVersion and kind (served: "
                            + servedVersions(group, kind)
                            + ")");
            return problems;
        }
        for (Error e : schema.validate(resource)) {
            problems.add(where + ": " + e.getInstanceLocation() + " " + e.getMessage());
        }
        return problems;
    }

    /** OpenAPI v3 (Kubernetes structural schema) to JSON schema; see the class comment. */
    static ObjectNode toJsonSchema(JsonNode openApi) {
        ObjectNode in = (ObjectNode) openApi;
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        boolean preserveUnknown = in.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        boolean intOrString = in.path("x-kubernetes-int-or-string").asBoolean(false);
        for (Map.Entry<String, JsonNode> e : in.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("x-kubernetes-") || key.equals("nullable") || key.equals("format")) {
                continue;
            }
            switch (key) {
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    for (Map.Entry<String, JsonNode> p : value.properties()) {
                        props.set(p.getKey(), toJsonSchema(p.getValue()));
                    }
                }
                case "items", "not" -> out.set(key, toJsonSchema(value));
                case "additionalProperties" ->
                        out.set(key, value.isObject() ? toJsonSchema(value) : value.deepCopy());
                case "anyOf", "oneOf", "allOf" -> {
                    ArrayNode list = out.putArray(key);
                    for (JsonNode s : value.values()) {
                        list.add(toJsonSchema(s));
                    }
                }
                default -> out.set(key, value.deepCopy());
            }
        }
        if (in.path("nullable").asBoolean(false) && in.has("type")) {
            ArrayNode types = out.putArray("type");
            types.add(in.get("type").asString());
            types.add("null");
        }
        if (intOrString && !in.has("anyOf") && !in.has("type")) {
            ArrayNode types = out.putArray("type");
            types.add("integer");
            types.add("string");
        }
        if (in.has("properties") && !in.has("additionalProperties") && !preserveUnknown) {
            out.put("additionalProperties", false);
        }
        return out;
    }
}
