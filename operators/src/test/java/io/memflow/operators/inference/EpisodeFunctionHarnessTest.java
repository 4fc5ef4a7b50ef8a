package io.memflow.operators.inference;

import static io.memflow.operators.TestData.envelope;
import static io.memflow.operators.TestData.input;
import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.internal.InferenceRequest;
import io.memflow.schemas.internal.MemoryInput;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The keyed half of the inference tier on a test harness with the real stories260K model: state
 * entries, the event-time timer that holds an answer back, the request it sends, a snapshot and
 * restore, and FORGET_USER.
 */
class EpisodeFunctionHarnessTest {
    static InferenceSettings settings;

    @BeforeAll
    static void model() {
        Path path = TestData.storiesModel();
        settings = TestData.storiesInference(2, 8);
    }

    static KeyedTwoInputStreamOperatorTestHarness<
                    String, MemoryInput, MemoryAnswer, InferenceRequest>
            harness() throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new EpisodeFunction(settings)),
                MemoryInput::getKey,
                a -> a.getTenantId() + "|" + a.getUserId(),
                Types.STRING);
    }

    static MemoryInput forget(String time) {
        long t = Instant.parse(time).toEpochMilli();
        return envelope(t)
                .setControl(
                        ControlCommand.newBuilder()
                                .setCommandId("f")
                                .setTenantId(TestData.TENANT)
                                .setUserId(TestData.USER)
                                .setType(ControlType.FORGET_USER)
                                .setIssuedAt(Instant.ofEpochMilli(t))
                                .build())
                .build();
    }

    /** A question as input 1 sees it: in the user's event-time order, after their utterances. */
    static MemoryInput question(String time) {
        long t = Instant.parse(time).toEpochMilli();
        return envelope(t)
                .setQuery(
                        io.memflow.schemas.MemoryQuery.newBuilder()
                                .setQueryId("q-" + t)
                                .setTenantId(TestData.TENANT)
                                .setUserId(TestData.USER)
                                .setText("?")
                                .setQueryTime(Instant.ofEpochMilli(t))
                                .build())
                .build();
    }

    static MemoryAnswer answer(String id, String time, String question) {
        Instant t = Instant.parse(time);
        return MemoryAnswer.newBuilder()
                .setQueryId(id)
                .setTenantId(TestData.TENANT)
                .setUserId(TestData.USER)
                .setQuestion(question)
                .setQueryTime(t)
                .setMemories(
                        List.of(
                                RetrievedMemory.newBuilder()
                                        .setMemoryId("m1")
                                        .setText("Ann: my dog Pepper likes the park")
                                        .setScore(1.0)
                                        .setStatus(MemoryStatus.ACTIVE)
                                        .setEventTime(t)
                                        .setValidFrom(t)
                                        .setSourceTurnIds(List.of("d1"))
                                        .setVersion(1)
                                        .build()))
                .build();
    }

    static List<InferenceRequest> requests(
            KeyedTwoInputStreamOperatorTestHarness<
                            String, MemoryInput, MemoryAnswer, InferenceRequest>
                    h) {
        List<InferenceRequest> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof InferenceRequest q) {
                out.add(q);
            }
        }
        return out;
    }

    static void talk(
            KeyedTwoInputStreamOperatorTestHarness<
                            String, MemoryInput, MemoryAnswer, InferenceRequest>
                    h)
            throws Exception {
        String[] lines = {
            "My dog Pepper loves the park.", "Pepper chased a red ball today.",
            "We baked a cake with sugar.", "The cake was sweet and warm.",
            "Pepper barked at the cat.", "The dog slept after the walk.",
            "Lily ate the cake at noon.", "The cake had milk and eggs."
        };
        for (int i = 0; i < lines.length; i++) {
            String time = String.format("2024-03-04T10:%02d:00Z", i);
            h.processElement1(
                    new StreamRecord<>(
                            input(obs("d" + i, "s1", time, i % 2 == 0 ? "Ann" : "Ben", lines[i])),
                            Instant.parse(time).toEpochMilli()));
        }
    }

    @Test
    void answersWaitForTheirQuestionOnTheUsersOwnClockAndEpisodesSurviveRestore() throws Exception {
        OperatorSubtaskState snapshot;
        String cacheKey;
        try (var h = harness()) {
            h.open();
            talk(h);
            // utterance list, the seen counter and the user's clock; no episodes until a question
            // needs them
            assertThat(h.numKeyedStateEntries()).isEqualTo(3);
            assertThat(requests(h)).isEmpty();

            long asked = Instant.parse("2024-03-05T09:00:00Z").toEpochMilli();
            h.processElement2(
                    new StreamRecord<>(
                            answer("q1", "2024-03-05T09:00:00Z", "What does Pepper like?"), asked));
            assertThat(requests(h)).as("held until input 1 passes the question").isEmpty();
            // the job-wide watermark no longer releases it
            h.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(asked));
            assertThat(requests(h)).isEmpty();
            // the question itself, in order on input 1, does
            h.processElement1(new StreamRecord<>(question("2024-03-05T09:00:00Z"), asked));
            List<InferenceRequest> out = requests(h);
            assertThat(out).hasSize(1);
            InferenceRequest r = out.get(0);
            assertThat(r.getForget()).isFalse();
            assertThat(r.getAnswer().getQueryId()).isEqualTo("q1");
            assertThat(r.getEpisode()).isNotNull();
            assertThat(r.getEpisode().getContextTokens()).isNotEmpty();
            assertThat(r.getCacheKey()).startsWith(TestData.KEY + "#1#");
            // + the episode set and the user's clock; the pending answer is gone
            assertThat(h.numKeyedStateEntries()).isEqualTo(4);
            cacheKey = r.getCacheKey();
            snapshot = h.snapshot(1, 2);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            assertThat(h.numKeyedStateEntries()).isEqualTo(4);
            long asked = Instant.parse("2024-03-06T09:00:00Z").toEpochMilli();
            // input 1 passed the question before its answer came: released at once
            h.processElement1(new StreamRecord<>(question("2024-03-06T09:00:00Z"), asked));
            h.processElement2(
                    new StreamRecord<>(
                            answer("q2", "2024-03-06T09:00:00Z", "What does Pepper like?"), asked));
            // no new utterance: the restored episode set is used as is, same cache key
            assertThat(requests(h))
                    .singleElement()
                    .satisfies(r -> assertThat(r.getCacheKey()).isEqualTo(cacheKey));

            // a new utterance makes the next question rebuild the set under a new version
            h.processElement1(
                    new StreamRecord<>(
                            input(obs("d9", "s2", "2024-03-06T10:00:00Z", "Ann", "Pepper swam.")),
                            Instant.parse("2024-03-06T10:00:00Z").toEpochMilli()));
            long later = Instant.parse("2024-03-06T11:00:00Z").toEpochMilli();
            h.processElement2(
                    new StreamRecord<>(
                            answer("q3", "2024-03-06T11:00:00Z", "Did Pepper swim?"), later));
            h.processElement1(new StreamRecord<>(question("2024-03-06T11:00:00Z"), later));
            assertThat(requests(h).get(1).getCacheKey()).startsWith(TestData.KEY + "#2#");

            h.processElement1(new StreamRecord<>(forget("2024-03-06T12:00:00Z"), later + 1));
            InferenceRequest f = requests(h).get(2);
            assertThat(f.getForget()).isTrue();
            assertThat(f.getCacheKey()).isEqualTo(TestData.KEY + "#");
            assertThat(h.numKeyedStateEntries()).as("nothing of the user is left").isZero();
        }
    }
}
