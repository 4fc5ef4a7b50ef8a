package io.memflow.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.inference.InferenceSettings;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.Observation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Builders for test inputs. */
public final class TestData {
    public static final String TENANT = "t1";
    public static final String USER = "u1";
    public static final String KEY = TENANT + "|" + USER;

    private TestData() {}

    /** ../shared's stories260K.gguf; a missing file fails the test, never skips it. */
    public static Path storiesModel() {
        String shared = System.getProperty("memflow.shared.dir");
        assertThat(shared).as("system property memflow.shared.dir (set by the build)").isNotNull();
        Path p = Path.of(shared, "data", "models", "stories260K.gguf");
        assertThat(Files.isRegularFile(p)).as(p + " (shared test data)").isTrue();
        return p;
    }

    /**
     * Inference settings for {@link #storiesModel()}: KV budget 40, prefill block 32, a 64 MiB
     * pool, 64 utterances, one thread, the default embedding model.
     */
    public static InferenceSettings storiesInference(int episodes, int maxNewTokens) {
        return new InferenceSettings(
                storiesModel().toString(),
                40,
                32,
                episodes,
                maxNewTokens,
                64L << 20,
                64,
                1,
                MemflowOptions.EMBEDDING_MODEL.defaultValue());
    }

    public static Observation obs(
            String id, String session, String time, String speaker, String text) {
        return Observation.newBuilder()
                .setId(id)
                .setTenantId(TENANT)
                .setUserId(USER)
                .setSessionId(session)
                .setSource("turn")
                .setSpeaker(speaker)
                .setRole("user")
                .setText(text)
                .setTokenCount(io.memflow.operators.text.Text.countTokens(text))
                .setRawTokenCount(io.memflow.operators.text.Text.countTokens(text))
                .setEventTime(Instant.parse(time).toEpochMilli())
                .build();
    }

    /** The tiers' envelope for the test user at {@code time}, nothing set yet. */
    public static MemoryInput.Builder envelope(long time) {
        return MemoryInput.newBuilder()
                .setKey(KEY)
                .setTenantId(TENANT)
                .setUserId(USER)
                .setEventTime(time)
                .setCandidates(List.of())
                .setPending(List.of());
    }

    /** {@code o} in the tiers' envelope. */
    public static MemoryInput input(Observation o) {
        return envelope(o.getEventTime()).setObservation(o).build();
    }
}
