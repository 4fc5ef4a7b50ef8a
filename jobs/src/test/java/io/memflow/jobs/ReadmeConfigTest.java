package io.memflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.config.MemflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The README's configuration table names every option the code defines. */
class ReadmeConfigTest {
    @Test
    void everyOptionIsDocumented() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (ConfigOption<?> o : MemflowOptions.all()) {
            assertThat(readme).as("README documents " + o.key()).contains("`" + o.key() + "`");
        }
    }
}
