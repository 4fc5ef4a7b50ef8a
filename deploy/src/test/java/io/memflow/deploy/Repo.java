package io.memflow.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the tests find things: this module, the repository around it and the shared folder. Also
 * reads the few build facts the manifests must agree with, straight from the build files, so the
 * checks do not depend on the other modules having been built.
 */
final class Repo {

    private Repo() {}

    /** The deploy module (surefire runs in it and sets {@code basedir}). */
    static Path module() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    static Path root() {
        return module().getParent();
    }

    static Path k8s() {
        return module().resolve("k8s");
    }

    /** The overlay folders under k8s/overlays, sorted; each is one environment. */
    static List<Path> overlays() {
        try (var s = Files.list(k8s().resolve("overlays"))) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** shared/, from {@code -Dmemflow.shared.dir} (the root pom sets it); never optional. */
    static Path shared() {
        String dir = System.getProperty("memflow.shared.dir");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException(
                    "system property memflow.shared.dir is not set; run through Maven (the root"
                            + " pom sets it to <repo>/../shared) or pass -Dmemflow.shared.dir=...");
        }
        return Path.of(dir).toAbsolutePath().normalize();
    }

    static Path crds() {
        return shared().resolve("data").resolve("k8s-crds");
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The text of the first {@code <tag>} in an XML file (POMs here are simple enough). */
    static String xmlTag(Path file, String tag) {
        Matcher m =
                Pattern.compile(
                                "<"
                                        + Pattern.quote(tag)
                                        + ">\\s*([^<]*?)\\s*</"
                                        + Pattern.quote(tag)
                                        + ">")
                        .matcher(read(file));
        if (!m.find()) {
            throw new IllegalStateException(file + " has no <" + tag + ">");
        }
        return m.group(1);
    }

    /**
     * The names {@code MemflowMetrics.all()} returns, read from its source: the string constants
     * named in the {@code List.of(...)} of {@code all()}, plus {@code CHANGES_PREFIX} joined with
     * each of {@code CHANGE_TYPES} when {@code all()} expands them. Read as text so this module
     * needs no dependency on the operators module (and its Flink classpath).
     */
    static List<String> memflowMetricNames() {
        Path file =
                root().resolve(
                                "operators/src/main/java/io/memflow/operators/metrics/MemflowMetrics.java");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: the dashboard charts its names");
        }
        String src = read(file);
        Map<String, String> constants = new LinkedHashMap<>();
        Matcher c =
                Pattern.compile("static\\s+final\\s+String\\s+(\\w+)\\s*=\\s*\"([^\"]*)\"\\s*;")
                        .matcher(src);
        while (c.find()) {
            constants.put(c.group(1), c.group(2));
        }
        int all = src.indexOf("List<String> all()");
        if (all < 0) {
            throw new IllegalStateException(file + ": no all() method");
        }
        String body = src.substring(all);
        Matcher listOf = Pattern.compile("List\\.of\\(([^)]*)\\)").matcher(body);
        if (!listOf.find()) {
            throw new IllegalStateException(file + ": all() has no List.of(...)");
        }
        List<String> names = new ArrayList<>();
        for (String ident : listOf.group(1).split(",")) {
            String key = ident.strip();
            if (key.isEmpty()) {
                continue;
            }
            String value = constants.get(key);
            if (value == null) {
                throw new IllegalStateException(file + ": all() names unknown constant " + key);
            }
            names.add(value);
        }
        if (body.contains("CHANGES_PREFIX +")) {
            Matcher types =
                    Pattern.compile("CHANGE_TYPES\\s*=\\s*List\\.of\\(([^)]*)\\)").matcher(src);
            if (!types.find() || !constants.containsKey("CHANGES_PREFIX")) {
                throw new IllegalStateException(file + ": cannot read CHANGE_TYPES");
            }
            Matcher t = Pattern.compile("\"([^\"]+)\"").matcher(types.group(1));
            while (t.find()) {
                names.add(constants.get("CHANGES_PREFIX") + t.group(1));
            }
        }
        return List.copyOf(names);
    }
}
