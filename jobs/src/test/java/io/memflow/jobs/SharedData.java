package io.memflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files from ../shared that tests need; a missing one fails the test, never skips it. */
public final class SharedData {
    private SharedData() {}

    public static Path storiesModel() {
        String shared = System.getProperty("memflow.shared.dir");
        assertThat(shared).as("system property memflow.shared.dir (set by the build)").isNotNull();
        Path p = Path.of(shared, "data", "models", "stories260K.gguf").toAbsolutePath();
        assertThat(Files.isRegularFile(p)).as(p + " (shared test data)").isTrue();
        return p;
    }
}
