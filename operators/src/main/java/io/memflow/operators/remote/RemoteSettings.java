package io.memflow.operators.remote;

import io.memflow.operators.config.MemflowOptions;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Where the remote engine sends its requests, read once from the job configuration and carried by
 * the operators that use it. The API key itself is not part of it: only where to read it from, on
 * the TaskManager ({@link #apiKey()}).
 *
 * @param endpoint base URL of an OpenAI-compatible API, e.g. {@code http://localhost:8000/v1}
 * @param model model name sent with every request
 * @param apiKeyFile file holding the key, or null
 * @param apiKeyEnv environment variable holding the key, or null
 * @param timeout longest one request may take
 * @param maxConcurrent requests in flight per subtask at most
 * @param retries retries on 408/409/429/5xx and lost connections, with back-off
 * @param maxNewTokens completion tokens of a generated answer at most
 */
public record RemoteSettings(
        String endpoint,
        String model,
        String apiKeyFile,
        String apiKeyEnv,
        Duration timeout,
        int maxConcurrent,
        int retries,
        int maxNewTokens)
        implements Serializable {

    public RemoteSettings {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("memflow.inference.endpoint is not set");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException(
                    "memflow.inference.endpoint is set but memflow.inference.endpoint-model is"
                            + " not: name the model to ask");
        }
        if (maxConcurrent < 1 || retries < 0 || maxNewTokens < 1) {
            throw new IllegalArgumentException(
                    "memflow.inference.endpoint-max-concurrent and max-new-tokens must be >= 1,"
                            + " endpoint-retries >= 0");
        }
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(
                    "memflow.inference.endpoint-timeout must be positive");
        }
    }

    /** The settings of {@code conf}, or null when no endpoint is configured. */
    public static RemoteSettings of(ReadableConfig conf) {
        String endpoint = conf.getOptional(MemflowOptions.ENDPOINT).orElse(null);
        if (endpoint == null || endpoint.isBlank()) {
            return null;
        }
        if (conf.getOptional(MemflowOptions.MODEL_PATH).filter(p -> !p.isBlank()).isPresent()) {
            throw new IllegalArgumentException(
                    "memflow.inference.endpoint and memflow.inference.model-path are both set;"
                            + " answers come from one engine: unset one of them");
        }
        return new RemoteSettings(
                endpoint.strip(),
                conf.getOptional(MemflowOptions.ENDPOINT_MODEL).orElse(null),
                conf.getOptional(MemflowOptions.ENDPOINT_API_KEY_FILE).orElse(null),
                conf.getOptional(MemflowOptions.ENDPOINT_API_KEY_ENV).orElse(null),
                conf.get(MemflowOptions.ENDPOINT_TIMEOUT),
                conf.get(MemflowOptions.ENDPOINT_MAX_CONCURRENT),
                conf.get(MemflowOptions.ENDPOINT_RETRIES),
                conf.get(MemflowOptions.MAX_NEW_TOKENS));
    }

    /** The same settings asking for at most {@code n} completion tokens. */
    public RemoteSettings withMaxNewTokens(int n) {
        return new RemoteSettings(
                endpoint, model, apiKeyFile, apiKeyEnv, timeout, maxConcurrent, retries, n);
    }

    /**
     * The API key from the file or the environment variable; null when neither is configured.
     *
     * @throws IOException when a configured source is missing or empty
     */
    public String apiKey() throws IOException {
        if (apiKeyFile != null && !apiKeyFile.isBlank()) {
            String key = Files.readString(Path.of(apiKeyFile)).strip();
            if (key.isEmpty()) {
                throw new IOException(
                        "memflow.inference.endpoint-api-key-file " + apiKeyFile + " is empty");
            }
            return key;
        }
        if (apiKeyEnv != null && !apiKeyEnv.isBlank()) {
            String key = System.getenv(apiKeyEnv);
            if (key == null || key.isBlank()) {
                throw new IOException(
                        "memflow.inference.endpoint-api-key-env names "
                                + apiKeyEnv
                                + ", which is not set in the TaskManager's environment");
            }
            return key.strip();
        }
        return null;
    }
}
