package io.memflow.operators.shortterm;

import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.operators.TestingEmbedder;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import io.memflow.schemas.internal.ShortTermState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

public class AdaptiveTopicBoundaryTest {

    /** Three turns about a dog, then three about a new job: one session, two topics. */
    public static List<Observation> dogThenJob() {
        return new ArrayList<>(
                List.of(
                        obs(
                                "d1",
                                "s1",
                                "2024-03-04T10:00:00Z",
                                "Ann",
                                "My dog Pepper loves the park."),
                        obs(
                                "d2",
                                "s1",
                                "2024-03-04T10:01:00Z",
                                "Bob",
                                "Does Pepper chase balls in the park?"),
                        obs(
                                "d3",
                                "s1",
                                "2024-03-04T10:02:00Z",
                                "Ann",
                                "Pepper chases every ball, the park is her favourite."),
                        obs(
                                "d4",
                                "s1",
                                "2024-03-04T10:03:00Z",
                                "Bob",
                                "I started a new job as a nurse."),
                        obs(
                                "d5",
                                "s1",
                                "2024-03-04T10:04:00Z",
                                "Ann",
                                "A nurse at which hospital?"),
                        obs(
                                "d6",
                                "s1",
                                "2024-03-04T10:05:00Z",
                                "Bob",
                                "The children's hospital, the nurse shifts are long.")));
    }

    @Test
    void searchRaisesTheThresholdUntilSomethingIsBelowIt() {
        // nothing below 0.20 or 0.25; 0.27 is below 0.30, so the search stops there
        assertThat(AdaptiveTopicBoundary.boundaries(new double[] {0.6, 0.27, 0.45, 0.28, 0.9}, 0.2))
                .containsExactly(2, 4);
        // a low pair is found at the first step and higher ones are not cut
        assertThat(AdaptiveTopicBoundary.boundaries(new double[] {0.15, 0.3, 0.45}, 0.2))
                .containsExactly(1);
        // 0.49 is below 0.50, the last step
        assertThat(AdaptiveTopicBoundary.boundaries(new double[] {0.7, 0.49}, 0.2))
                .containsExactly(2);
        // nothing below 0.50: the run stays whole
        assertThat(AdaptiveTopicBoundary.boundaries(new double[] {0.5, 0.8}, 0.2)).isEmpty();
        assertThat(AdaptiveTopicBoundary.boundaries(new double[] {}, 0.2)).isEmpty();
    }

    @Test
    void cutsBetweenTwoTopicsAndKeepsTheVectors() {
        TestingEmbedder embedder = new TestingEmbedder();
        AdaptiveTopicBoundary b = new AdaptiveTopicBoundary(0.2, embedder);
        List<Observation> run = dogThenJob();
        assertThat(b.cuts(run)).containsExactly(3);
        // one batched call for the run; the vectors stay on the turns for consolidation
        assertThat(embedder.calls).isEqualTo(1);
        assertThat(embedder.texts).isEqualTo(6);
        assertThat(run).allSatisfy(o -> assertThat(o.getEmbedding()).isNotNull());
        // a second look (a replay of the same run) reuses them and cuts in the same place
        assertThat(b.cuts(run)).containsExactly(3);
        assertThat(embedder.calls).isEqualTo(1);
    }

    @Test
    void shortTermBufferSplitsTheRunIntoTopicSegments() {
        ShortTermBuffer buffer =
                new ShortTermBuffer(
                        512, 30 * 60_000L, new AdaptiveTopicBoundary(0.2, new TestingEmbedder()));
        ShortTermState s = ShortTermBuffer.emptyState();
        for (Observation o : dogThenJob()) {
            assertThat(buffer.add(TestData.KEY, s, o)).isEmpty();
        }
        SegmentBatch batch = buffer.flush(TestData.KEY, s, 0L, "command");
        assertThat(batch.getSegments())
                .extracting(Segment::getSegmentId)
                .containsExactly(TestData.KEY + "#d1", TestData.KEY + "#d4");
        assertThat(batch.getSegments().get(0).getObservations())
                .extracting(Observation::getId)
                .containsExactly("d1", "d2", "d3");
        int tokens = 0;
        for (Observation o : batch.getSegments().get(1).getObservations()) {
            tokens += o.getTokenCount();
        }
        assertThat(batch.getSegments().get(1).getTokenCount()).isEqualTo(tokens);
        assertThat(ShortTermBuffer.isEmpty(s)).isTrue();
    }

    @Test
    void oneTopicStaysOneSegment() {
        TestingEmbedder embedder = new TestingEmbedder();
        List<Observation> run =
                List.of(
                        obs(
                                "d1",
                                "s1",
                                "2024-03-04T10:00:00Z",
                                "Ann",
                                "Pepper the dog loves the park."),
                        obs(
                                "d2",
                                "s1",
                                "2024-03-04T10:01:00Z",
                                "Ann",
                                "Pepper the dog loves the park a lot."));
        assertThat(new AdaptiveTopicBoundary(0.2, embedder).cuts(run)).isEmpty();
    }
}
