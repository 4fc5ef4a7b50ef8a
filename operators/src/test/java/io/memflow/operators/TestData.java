package io.memflow.operators;

import io.memflow.schemas.internal.Observation;
import java.time.Instant;

/** Builders for test inputs. */
public final class TestData {
    public static final String TENANT = "t1";
    public static final String USER = "u1";
    public static final String KEY = TENANT + "|" + USER;

    private TestData() {}

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
}
