package io.memflow.operators.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.operators.config.MemflowOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Endpoint settings from the configuration; the key is read where the job runs, never carried. */
class RemoteSettingsTest {

    @Test
    void noEndpointNoSettings() {
        assertThat(RemoteSettings.of(new Configuration())).isNull();
    }

    @Test
    void readsTheOptionsAndTheKeyFile(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key");
        Files.writeString(key, "sk-test\n");
        Configuration c = new Configuration();
        c.set(MemflowOptions.ENDPOINT, " http://h:1/v1 ");
        c.set(MemflowOptions.ENDPOINT_MODEL, "m");
        c.set(MemflowOptions.ENDPOINT_API_KEY_FILE, key.toString());
        c.set(MemflowOptions.ENDPOINT_TIMEOUT, Duration.ofSeconds(5));
        c.set(MemflowOptions.ENDPOINT_MAX_CONCURRENT, 3);
        c.set(MemflowOptions.ENDPOINT_RETRIES, 0);
        RemoteSettings s = RemoteSettings.of(c);
        assertThat(s.endpoint()).isEqualTo("http://h:1/v1");
        assertThat(s.maxConcurrent()).isEqualTo(3);
        assertThat(s.retries()).isZero();
        assertThat(s.apiKey()).isEqualTo("sk-test");
        assertThat(s.toString()).doesNotContain("sk-test");
    }

    @Test
    void missingModelEmptyKeyOrUnsetVariableAreErrors(@TempDir Path dir) throws Exception {
        Configuration c = new Configuration();
        c.set(MemflowOptions.ENDPOINT, "http://h:1/v1");
        assertThatThrownBy(() -> RemoteSettings.of(c)).hasMessageContaining("endpoint-model");
        c.set(MemflowOptions.ENDPOINT_MODEL, "m");
        Path empty = Files.writeString(dir.resolve("empty"), " ");
        c.set(MemflowOptions.ENDPOINT_API_KEY_FILE, empty.toString());
        assertThatThrownBy(() -> RemoteSettings.of(c).apiKey())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is empty");
        Configuration v = new Configuration();
        v.set(MemflowOptions.ENDPOINT, "http://h:1/v1");
        v.set(MemflowOptions.ENDPOINT_MODEL, "m");
        v.set(MemflowOptions.ENDPOINT_API_KEY_ENV, "MEMFLOW_TEST_SURELY_UNSET_VARIABLE");
        assertThatThrownBy(() -> RemoteSettings.of(v).apiKey())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("MEMFLOW_TEST_SURELY_UNSET_VARIABLE");
        assertThat(RemoteSettings.of(v).withMaxNewTokens(7).maxNewTokens()).isEqualTo(7);
    }
}
