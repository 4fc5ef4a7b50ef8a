package io.memflow.operators.inference;

import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.schemas.MemoryKind;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One LLM call per batch, on the real stories260K model: extractive facts plus one summary. */
class LlmSummaryConsolidatorTest {

    static InferenceSettings settings() {
        Path path = TestData.storiesModel();
        return TestData.storiesInference(2, 8);
    }

    static SegmentBatch batch() {
        Observation[] a = {
            obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I adopted a beagle named Pepper."),
            obs("d2", "s1", "2024-03-04T10:01:00Z", "Ben", "Pepper is a lovely name for a dog.")
        };
        Observation[] b = {
            obs("d3", "s1", "2024-03-04T10:02:00Z", "Ann", "I start a new job at CareLoop soon.")
        };
        return SegmentBatch.newBuilder()
                .setBatchId("s1/1")
                .setSegments(
                        List.of(
                                Segment.newBuilder()
                                        .setSegmentId("s1/1a")
                                        .setObservations(List.of(a))
                                        .build(),
                                Segment.newBuilder()
                                        .setSegmentId("s1/1b")
                                        .setObservations(List.of(b))
                                        .build()))
                .setFlushTime(b[0].getEventTime())
                .setTrigger("tokens")
                .build();
    }

    @Test
    void addsOneSummaryPerBatchBesideTheExtractiveFacts() throws Exception {
        LlmSummaryConsolidator c =
                new LlmSummaryConsolidator(new ExtractiveConsolidator(), settings());
        c.open();
        try {
            List<MemoryRecord> facts =
                    new ExtractiveConsolidator()
                            .consolidate(TestData.TENANT, TestData.USER, batch());
            List<MemoryRecord> out = c.consolidate(TestData.TENANT, TestData.USER, batch());
            assertThat(c.calls()).as("one call for the whole batch").isEqualTo(1);
            assertThat(out).hasSize(facts.size() + 1);
            assertThat(out.subList(0, facts.size())).isEqualTo(facts);
            MemoryRecord summary = out.get(out.size() - 1);
            assertThat(summary.getKind()).isEqualTo(MemoryKind.SUMMARY);
            assertThat(summary.getText()).startsWith("Summary: ").hasSizeGreaterThan(10);
            assertThat(summary.getSourceTurnIds()).containsExactly("d1", "d2", "d3");
            assertThat(summary.getValidFrom())
                    .isEqualTo(facts.get(facts.size() - 1).getValidFrom());

            // a replay writes the same entry: same id, same greedy text
            MemoryRecord again =
                    c.consolidate(TestData.TENANT, TestData.USER, batch()).get(out.size() - 1);
            assertThat(again.getMemoryId()).isEqualTo(summary.getMemoryId());
            assertThat(again.getText()).isEqualTo(summary.getText());
            assertThat(c.calls()).isEqualTo(2);
        } finally {
            c.close();
        }
    }
}
