package io.memflow.operators.sensory;

import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.text.Text;
import io.memflow.schemas.internal.SensoryState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SensoryFilterTest {
    final SensoryFilter filter = new SensoryFilter(8, 0.97, 0.7, new PosTokenScorer());

    @Test
    void compressesToAboutTheKeepRatioAndKeepsProtectedWords() {
        String text =
                "Well, I think that we finally moved to Seattle on 12 April 2024 and we do not regret it at all.";
        String out = filter.compress(text);
        int in = Text.countTokens(text);
        assertThat(Text.countTokens(out)).isLessThanOrEqualTo((int) Math.ceil(0.7 * in) + 1);
        assertThat(out).contains("Seattle", "12", "April", "2024", "not", "moved");
        // order of the kept words is the original order
        List<String> words = Arrays.asList(out.split(" "));
        assertThat(words.indexOf("Seattle")).isLessThan(words.indexOf("2024"));
    }

    @Test
    void tagsProperNounsAndFunctionWords() {
        String[] tags =
                new PosTokenScorer()
                        .tags(List.of("Maya", "adopted", "a", "beagle", "in", "Boston."));
        assertThat(tags[0]).isEqualTo("PROPN");
        assertThat(tags[2]).isEqualTo("DET");
        assertThat(tags[4]).isEqualTo("ADP");
    }

    @Test
    void dropsContentFreeAndNearDuplicateTurns() {
        SensoryState s = SensoryFilter.emptyState();
        assertThat(
                        filter.process(
                                        s,
                                        obs(
                                                "d1",
                                                "s",
                                                "2024-03-04T10:00:00Z",
                                                "Ann",
                                                "haha ok thanks!"))
                                .dropReason())
                .isEqualTo("content-free");
        assertThat(
                        filter.process(
                                        s,
                                        obs(
                                                "d2",
                                                "s",
                                                "2024-03-04T10:01:00Z",
                                                "Ann",
                                                "My dog Pepper loves the park."))
                                .kept())
                .isNotNull();
        assertThat(
                        filter.process(
                                        s,
                                        obs(
                                                "d3",
                                                "s",
                                                "2024-03-04T10:02:00Z",
                                                "Ann",
                                                "My dog Pepper loves the park!"))
                                .dropReason())
                .isEqualTo("near-duplicate");
        assertThat(s.getTurnsIn()).isEqualTo(3);
        assertThat(s.getTurnsDropped()).isEqualTo(2);
    }

    @Test
    void ringForgetsTurnsOlderThanItsSize() {
        SensoryFilter small = new SensoryFilter(1, 0.97, 1.0, new HeuristicTokenScorer());
        SensoryState s = SensoryFilter.emptyState();
        small.process(s, obs("d1", "s", "2024-03-04T10:00:00Z", "Ann", "I play chess on Sundays."));
        small.process(
                s, obs("d2", "s", "2024-03-04T10:01:00Z", "Ann", "My sister lives in Chicago."));
        assertThat(
                        small.process(
                                        s,
                                        obs(
                                                "d3",
                                                "s",
                                                "2024-03-04T10:02:00Z",
                                                "Ann",
                                                "I play chess on Sundays."))
                                .kept())
                .isNotNull();
    }
}
