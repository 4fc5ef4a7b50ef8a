package io.memflow.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Renders a kustomization the way {@code kubectl apply -k} does, for the subset of kustomize that
 * deploy/k8s uses: {@code resources} (files and directories, recursively), {@code components},
 * {@code namespace}, {@code patches} (strategic-merge patches, optionally with a {@code target} of
 * kind and name) and {@code configMapGenerator} (files, without the name hash).
 *
 * <p>The real binary is not available to the build, so this stands in for it. To keep the two from
 * drifting apart silently, anything outside that subset (an unknown kustomization field, a JSON
 * 6902 patch, a {@code $patch} directive, a hashed generator name, a file outside the kustomization
 * root) throws {@link Unsupported} instead of being ignored or guessed at.
 *
 * <p>Merge semantics follow kustomize for custom resources, which have no patch strategy in the
 * OpenAPI data kustomize ships: maps merge key by key, {@code null} deletes a key, lists are
 * replaced whole. Built-in kinds would merge some lists by key instead, so a patch that carries a
 * list into a built-in kind is rejected.
 */
final class Kustomize {

    /** A kustomization uses something this renderer does not implement. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    // documents are read one by one from a single parser, so the next one is not "trailing"
    private static final YAMLMapper YAML =
            YAMLMapper.builder().disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final Set<String> KUSTOMIZATION_FIELDS =
            Set.of(
                    "apiVersion",
                    "kind",
                    "resources",
                    "components",
                    "namespace",
                    "patches",
                    "configMapGenerator");
    private static final Set<String> PATCH_FIELDS = Set.of("path", "target");
    private static final Set<String> TARGET_FIELDS = Set.of("kind", "name");
    private static final Set<String> GENERATOR_FIELDS = Set.of("name", "files", "options");
    private static final Set<String> GENERATOR_OPTION_FIELDS =
            Set.of("disableNameSuffixHash", "labels");
    private static final Set<String> CLUSTER_SCOPED =
            Set.of(
                    "Namespace",
                    "ClusterRole",
                    "ClusterRoleBinding",
                    "CustomResourceDefinition",
                    "PersistentVolume",
                    "StorageClass");

    private Kustomize() {}

    /** Renders the kustomization in {@code dir}; every element is a deep copy the caller owns. */
    static List<ObjectNode> render(Path dir) {
        return build(dir.toAbsolutePath().normalize(), "Kustomization");
    }

    /**
     * Reads every YAML document of a file, skipping empty ones (a leading comment block). Each
     * document must be a mapping: a top-level list (a JSON 6902 patch, say) is an error, not a list
     * of resources.
     */
    static List<ObjectNode> readYamlDocuments(Path file) {
        List<ObjectNode> docs = new ArrayList<>();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (JsonParser parser = YAML.createParser(text)) {
            while (parser.nextToken() != null) {
                JsonNode doc = YAML.readTree(parser);
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                if (!doc.isObject()) {
                    throw new IllegalArgumentException(file + ": a document is not a mapping");
                }
                docs.add((ObjectNode) doc);
            }
        }
        return docs;
    }

    private static List<ObjectNode> build(Path dir, String expectedKind) {
        ObjectNode k = readKustomization(dir, expectedKind);
        List<ObjectNode> acc = new ArrayList<>();
        accumulate(dir, k, acc);
        String namespace = text(k, "namespace");
        if (namespace != null) {
            for (ObjectNode r : acc) {
                if (CLUSTER_SCOPED.contains(text(r, "kind"))) {
                    throw new Unsupported(dir + ": namespace with cluster-scoped " + id(r));
                }
                metadata(r).put("namespace", namespace);
            }
        }
        checkUniqueIds(dir, acc);
        return acc;
    }

    /** resources, generators, components, then patches: kustomize's order of accumulation. */
    private static void accumulate(Path dir, ObjectNode k, List<ObjectNode> acc) {
        for (String entry : strings(k, "resources", dir)) {
            if (entry.contains("://") || entry.startsWith("github.com/")) {
                throw new Unsupported(dir + ": remote resource " + entry);
            }
            Path p = dir.resolve(entry).normalize();
            if (Files.isDirectory(p)) {
                acc.addAll(build(p, "Kustomization"));
            } else if (Files.isRegularFile(p)) {
                acc.addAll(readYamlDocuments(p));
            } else {
                throw new IllegalArgumentException(dir + ": resource " + entry + " does not exist");
            }
        }
        for (JsonNode gen : k.path("configMapGenerator").values()) {
            acc.add(generateConfigMap(dir, gen));
        }
        for (String entry : strings(k, "components", dir)) {
            Path p = dir.resolve(entry).normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException(dir + ": component " + entry + " is no folder");
            }
            ObjectNode component = readKustomization(p, "Component");
            if (component.has("namespace")) {
                throw new Unsupported(p + ": namespace in a component");
            }
            // a component works on the accumulated resources of the kustomization that uses it
            accumulate(p, component, acc);
        }
        for (JsonNode patch : k.path("patches").values()) {
            applyPatch(dir, patch, acc);
        }
    }

    private static ObjectNode readKustomization(Path dir, String expectedKind) {
        Path file = null;
        for (String name : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                if (file != null) {
                    throw new IllegalArgumentException(dir + ": more than one kustomization file");
                }
                file = dir.resolve(name);
            }
        }
        if (file == null) {
            throw new IllegalArgumentException(dir + ": no kustomization.yaml");
        }
        List<ObjectNode> docs = readYamlDocuments(file);
        if (docs.size() != 1) {
            throw new IllegalArgumentException(file + ": expected one document");
        }
        ObjectNode k = docs.get(0);
        for (String field : k.propertyNames()) {
            if (!KUSTOMIZATION_FIELDS.contains(field)) {
                throw new Unsupported(file + ": kustomization field '" + field + "'");
            }
        }
        String kind = text(k, "kind");
        String kindOrDefault = kind == null ? "Kustomization" : kind;
        if (!kindOrDefault.equals(expectedKind)) {
            throw new IllegalArgumentException(
                    file + ": kind " + kindOrDefault + " where a " + expectedKind + " belongs");
        }
        String expectedApi =
                expectedKind.equals("Component")
                        ? "kustomize.config.k8s.io/v1alpha1"
                        : "kustomize.config.k8s.io/v1beta1";
        String api = text(k, "apiVersion");
        if (api != null && !api.equals(expectedApi)) {
            throw new IllegalArgumentException(
                    file + ": apiVersion " + api + ", not " + expectedApi);
        }
        return k;
    }

    private static ObjectNode generateConfigMap(Path dir, JsonNode gen) {
        checkFields(dir, "configMapGenerator", gen, GENERATOR_FIELDS);
        JsonNode options = gen.path("options");
        if (!options.isMissingNode()) {
            checkFields(dir, "configMapGenerator.options", options, GENERATOR_OPTION_FIELDS);
        }
        // kustomize appends a hash of the content to the name; we do not reproduce its hash
        if (!options.path("disableNameSuffixHash").asBoolean(false)) {
            throw new Unsupported(
                    dir + ": configMapGenerator without options.disableNameSuffixHash: true");
        }
        String name = text(gen, "name");
        if (name == null) {
            throw new IllegalArgumentException(dir + ": configMapGenerator without a name");
        }
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        ObjectNode meta = cm.putObject("metadata");
        meta.put("name", name);
        if (options.has("labels")) {
            meta.set("labels", options.get("labels").deepCopy());
        }
        ObjectNode data = cm.putObject("data");
        for (String entry : strings(gen, "files", dir)) {
            if (entry.contains("=")) {
                throw new Unsupported(dir + ": configMapGenerator key=path entry " + entry);
            }
            Path file = insideRoot(dir, entry);
            try {
                data.put(file.getFileName().toString(), Files.readString(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cm;
    }

    private static void applyPatch(Path dir, JsonNode spec, List<ObjectNode> acc) {
        checkFields(dir, "patches[]", spec, PATCH_FIELDS);
        String path = text(spec, "path");
        if (path == null) {
            throw new Unsupported(dir + ": patch without a path (inline patches)");
        }
        Path file = insideRoot(dir, path);
        String raw;
        try {
            raw = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (raw.contains("$patch")
                || raw.contains("$setElementOrder")
                || raw.contains("$retainKeys")) {
            throw new Unsupported(file + ": strategic-merge directives");
        }
        List<ObjectNode> docs;
        try {
            docs = readYamlDocuments(file);
        } catch (IllegalArgumentException e) {
            // a JSON 6902 patch is a list of operations, not a mapping
            throw new Unsupported(file + ": not a strategic-merge patch (" + e.getMessage() + ")");
        }
        if (docs.size() != 1) {
            throw new Unsupported(file + ": " + docs.size() + " patches in one file");
        }
        ObjectNode patch = docs.get(0);
        JsonNode target = spec.get("target");
        List<ObjectNode> matches = new ArrayList<>();
        if (target != null) {
            checkFields(dir, "patches[].target", target, TARGET_FIELDS);
            String kind = text(target, "kind");
            // kustomize matches target names as anchored regular expressions
            Pattern name = Pattern.compile(target.has("name") ? text(target, "name") : ".*");
            for (ObjectNode r : acc) {
                if ((kind == null || kind.equals(text(r, "kind")))
                        && name.matcher(text(metadata(r), "name")).matches()) {
                    matches.add(r);
                }
            }
            // with a target the patch's own identity is ignored
            patch = patch.deepCopy();
            ObjectNode meta = metadata(patch);
            meta.remove("name");
            meta.remove("namespace");
        } else {
            for (ObjectNode r : acc) {
                if (text(r, "apiVersion").equals(text(patch, "apiVersion"))
                        && text(r, "kind").equals(text(patch, "kind"))
                        && text(metadata(r), "name").equals(text(metadata(patch), "name"))) {
                    matches.add(r);
                }
            }
            if (matches.size() != 1) {
                throw new IllegalArgumentException(
                        file + ": patch for " + id(patch) + " matches " + matches.size());
            }
        }
        if (matches.isEmpty()) {
            throw new IllegalArgumentException(file + ": patch target matches nothing");
        }
        ObjectNode body = patch.deepCopy();
        body.remove("apiVersion");
        body.remove("kind");
        for (ObjectNode r : matches) {
            if (isBuiltIn(r) && containsList(body)) {
                throw new Unsupported(
                        file + ": list in a patch of built-in " + id(r) + " (merged by key)");
            }
            merge(r, body);
        }
    }

    /** JSON-merge-style strategic merge for custom resources: lists replace, null deletes. */
    static void merge(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            JsonNode value = e.getValue();
            JsonNode existing = target.get(e.getKey());
            if (value.isNull()) {
                target.remove(e.getKey());
            } else if (value.isObject() && existing != null && existing.isObject()) {
                merge((ObjectNode) existing, (ObjectNode) value);
            } else {
                target.set(e.getKey(), withoutNulls(value.deepCopy()));
            }
        }
    }

    private static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            List<String> nulls = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (e.getValue().isNull()) {
                    nulls.add(e.getKey());
                } else {
                    withoutNulls(e.getValue());
                }
            }
            o.remove(nulls);
        }
        return node;
    }

    private static boolean containsList(JsonNode node) {
        if (node.isArray()) {
            return true;
        }
        for (JsonNode child : node.values()) {
            if (containsList(child)) {
                return true;
            }
        }
        return false;
    }

    /** Built-in kinds have an apiVersion without a dotted group ("v1", "apps/v1"). */
    private static boolean isBuiltIn(ObjectNode r) {
        String api = text(r, "apiVersion");
        return !api.contains("/") || !api.substring(0, api.indexOf('/')).contains(".");
    }

    private static Path insideRoot(Path dir, String entry) {
        Path p = dir.resolve(entry).normalize();
        // kustomize's default load restrictor: files only from within the kustomization root
        if (!p.startsWith(dir)) {
            throw new Unsupported(dir + ": file " + entry + " is outside the kustomization root");
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(dir + ": file " + entry + " does not exist");
        }
        return p;
    }

    private static void checkUniqueIds(Path dir, List<ObjectNode> acc) {
        Set<String> seen = new HashSet<>();
        for (ObjectNode r : acc) {
            String id = id(r) + " in " + text(metadata(r), "namespace");
            if (!seen.add(id)) {
                throw new IllegalArgumentException(dir + ": duplicate resource " + id);
            }
        }
    }

    private static void checkFields(Path dir, String where, JsonNode node, Set<String> allowed) {
        for (String field : node.propertyNames()) {
            if (!allowed.contains(field)) {
                throw new Unsupported(dir + ": " + where + " field '" + field + "'");
            }
        }
    }

    private static List<String> strings(JsonNode node, String field, Path dir) {
        List<String> out = new ArrayList<>();
        JsonNode list = node.path(field);
        if (!list.isMissingNode() && !list.isArray()) {
            throw new IllegalArgumentException(dir + ": " + field + " is not a list");
        }
        for (JsonNode v : list.values()) {
            out.add(v.asString());
        }
        return out;
    }

    static ObjectNode metadata(ObjectNode r) {
        JsonNode meta = r.get("metadata");
        if (meta == null || !meta.isObject()) {
            return r.putObject("metadata");
        }
        return (ObjectNode) meta;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    static String id(ObjectNode r) {
        return text(r, "apiVersion") + "/" + text(r, "kind") + " " + text(metadata(r), "name");
    }
}
