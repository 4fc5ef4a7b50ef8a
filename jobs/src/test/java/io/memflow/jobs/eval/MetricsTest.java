package io.memflow.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void recallCountsEvidenceCoveredByTheTopK() {
        List<List<String>> prov =
                List.of(List.of("D1:1"), List.of("D2:3", "D2:4"), List.of("D3:1"));
        Set<String> evidence = Set.of("D2:4", "D3:1", "D9:9");
        assertThat(Metrics.recall(prov, evidence, 1)).isEqualTo(0.0);
        assertThat(Metrics.recall(prov, evidence, 2)).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(Metrics.recall(prov, evidence, 3)).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(Metrics.recall(prov, evidence, 50)).isCloseTo(2 / 3.0, within(1e-9));
    }

    @Test
    void recallNeedsEvidence() {
        assertThatThrownBy(() -> Metrics.recall(List.of(), Set.of(), 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void answerRecallMatchesNormalisedWholeTokens() {
        List<String> texts =
                List.of("[Mon 8 May 2023] Caroline: I went to the LGBTQ support group", "other");
        // "7 May 2023": may and 2023 found, 7 not (8 is a different token)
        assertThat(Metrics.answerRecall(texts, "7 May 2023", 10)).isCloseTo(2 / 3.0, within(1e-9));
        // articles and punctuation do not count; "support" and "group" are whole tokens
        assertThat(Metrics.answerRecall(texts, "The support-group!", 10)).isEqualTo(0.0);
        assertThat(Metrics.answerRecall(texts, "a support group.", 10)).isEqualTo(1.0);
        // a token inside a longer word is no match
        assertThat(Metrics.answerRecall(List.of("supporting groups"), "support", 10))
                .isEqualTo(0.0);
        // only the top k count
        assertThat(Metrics.answerRecall(List.of("x", "Seattle"), "Seattle", 1)).isEqualTo(0.0);
        assertThat(Metrics.answerRecall(List.of("x", "Seattle"), "Seattle", 2)).isEqualTo(1.0);
    }

    @Test
    void normalizeIsSquadStyle() {
        assertThat(Metrics.normalize("The Caroline's 1:56 pm, an apple!"))
                .containsExactly("carolines", "156", "pm", "apple");
    }

    @Test
    void percentileIsNearestRank() {
        double[] v = {5, 1, 4, 2, 3};
        assertThat(Metrics.percentile(v, 50)).isEqualTo(3);
        assertThat(Metrics.percentile(v, 99)).isEqualTo(5);
        assertThat(Metrics.percentile(new double[0], 50)).isEqualTo(0);
    }

    @Test
    void scoresAverageOverScoredQuestionsPerCategory() {
        SystemScores s = new SystemScores("x", 2, 20);
        Locomo.Question q1 =
                new Locomo.Question(0, "q", "Boston", 4, List.of("D1:1"), List.of("D1:1"));
        Locomo.Question q2 =
                new Locomo.Question(1, "q", "Seattle", 2, List.of("D1:2"), List.of("D1:2"));
        Locomo.Question adversarial =
                new Locomo.Question(2, "q", null, 5, List.of("D1:1"), List.of("D1:1"));
        s.add(q1, List.of(new SystemScores.Item("Ann: Boston", List.of("D1:1"))), 1.0);
        s.add(q2, List.of(new SystemScores.Item("Ann: Boston", List.of("D1:1"))), 2.0);
        s.add(adversarial, List.of(), 3.0);
        assertThat(s.scoredQueries()).isEqualTo(2);
        assertThat(s.recall(2, 0)).isEqualTo(0.5);
        assertThat(s.answerRecall(4)).isEqualTo(1.0);
        assertThat(s.answerRecall(2)).isEqualTo(0.0);
        assertThat(s.tokensPerQuery(2)).isEqualTo(2.0);
        assertThat(s.fields())
                .containsKeys(
                        "recall@5",
                        "recall@10",
                        "recall@20",
                        "answerRecall@2",
                        "rawTokens",
                        "storedTokens",
                        "llmCalls",
                        "llmPromptTokens",
                        "llmCompletionTokens",
                        "llmCallsPerTurn",
                        "llmPromptTokensPerTurn",
                        "llmCompletionTokensPerTurn",
                        "ingestTurnsPerSecond",
                        "queryLatencyMsP50",
                        "queryLatencyMsP99",
                        "perCategory");
    }

    @Test
    void tokenF1IsSquadF1OverNormalisedTokens() {
        assertThat(Metrics.tokenF1("The Seattle", "seattle")).isEqualTo(1.0);
        assertThat(Metrics.tokenF1("she moved to Seattle", "Seattle")).isEqualTo(0.4);
        assertThat(Metrics.tokenF1("Boston", "Seattle")).isEqualTo(0.0);
        assertThat(Metrics.tokenF1("", "Seattle")).isEqualTo(0.0);
        assertThat(Metrics.tokenF1("dog dog", "dog cat")).isEqualTo(0.5);
    }
}
