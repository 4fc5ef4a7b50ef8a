package io.memflow.jobs.eval;

import io.memflow.operators.text.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects one system's per-question results and turns them into the report fields of
 * docs/ARCHITECTURE.md §7. Recall and answer recall average over the scored questions ({@link
 * Locomo.Question#scored}); latency covers every question asked.
 */
final class SystemScores {

    /**
     * One retrieved item: the text a reader sees and tokens are counted on, the text answer recall
     * is checked against (naive-rag appends its chunk's session date), and the turn ids whose
     * content the text carries.
     */
    record Item(String text, String answerText, List<String> provenance) {
        Item(String text, List<String> provenance) {
            this(text, text, provenance);
        }
    }

    static final Map<Integer, String> CATEGORIES =
            Map.of(
                    1,
                    "multi-hop",
                    2,
                    "temporal",
                    3,
                    "open-domain",
                    4,
                    "single-hop",
                    5,
                    "adversarial");

    private record Scored(
            int category,
            double[] recall,
            double answerRecall,
            double[] tokens,
            double f1,
            double judged) {}

    final String name;
    final int maxK;
    final int k;
    long rawTokens;
    long storedTokens;
    long llmCalls;
    long llmPromptTokens;
    long llmCompletionTokens;

    /** Turns fed to the system, for the per-turn LLM figures. */
    long turns;

    double ingestTurnsPerSecond;

    /** What the tiers did (memflow only): sensory totals, topic segments, sleep-time changes. */
    final Map<String, Object> pipeline = new LinkedHashMap<>();

    private final List<Scored> scored = new ArrayList<>();

    /** Generates and judges answers from the top-k items when eval has an answer endpoint. */
    @javax.annotation.Nullable private JudgedAnswers judged;

    private long answerCalls;
    private long answerFailures;
    private long judgeCalls;
    private long judgeUnparsed;
    private long judgeFailures;
    private long answerPromptTokens;
    private long answerCompletionTokens;
    private final List<Double> latencies = new ArrayList<>();

    SystemScores(String name, int k, int maxK) {
        this.name = name;
        this.k = k;
        this.maxK = maxK;
    }

    void add(Locomo.Question q, List<Item> top, double latencyMs) {
        latencies.add(latencyMs);
        if (!q.scored()) {
            return;
        }
        List<List<String>> prov = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Item i : top) {
            prov.add(i.provenance());
            texts.add(i.answerText());
        }
        double[] recall = new double[maxK + 1];
        double[] tokens = new double[maxK + 1];
        int running = 0;
        for (int kk = 1; kk <= maxK; kk++) {
            recall[kk] = Metrics.recall(prov, Set.copyOf(q.evidence()), kk);
            if (kk <= top.size()) {
                running += Text.countTokens(top.get(kk - 1).text());
            }
            tokens[kk] = running;
        }
        double f1 = Double.NaN;
        double verdict = Double.NaN;
        if (judged != null && answeredHere < judged.limit) {
            answeredHere++;
            List<String> shown = new ArrayList<>();
            for (Item i : top.subList(0, Math.min(k, top.size()))) {
                shown.add(i.text());
            }
            JudgedAnswers.Outcome o = judged.score(q.question(), q.answer(), shown);
            f1 = o.f1();
            verdict = o.judged();
        }
        scored.add(
                new Scored(
                        q.category(),
                        recall,
                        Metrics.answerRecall(texts, q.answer(), k),
                        tokens,
                        f1,
                        verdict));
    }

    /**
     * Answers every scored question added from now on with {@code j}; {@link #stopAnswering} keeps
     * its call counts for this system.
     */
    void answerWith(JudgedAnswers j) {
        judged = j;
        answerCalls = -j.answerCalls;
        answerFailures = -j.answerFailures;
        judgeCalls = -j.judgeCalls;
        judgeUnparsed = -j.judgeUnparsed;
        judgeFailures = -j.judgeFailures;
        answerPromptTokens = -j.promptTokens;
        answerCompletionTokens = -j.completionTokens;
    }

    void stopAnswering() {
        if (judged == null) {
            return;
        }
        answerCalls += judged.answerCalls;
        answerFailures += judged.answerFailures;
        judgeCalls += judged.judgeCalls;
        judgeUnparsed += judged.judgeUnparsed;
        judgeFailures += judged.judgeFailures;
        answerPromptTokens += judged.promptTokens;
        answerCompletionTokens += judged.completionTokens;
        answered = true;
        judging = judged.judging();
        judged = null;
    }

    private boolean answered;
    private boolean judging;
    private int answeredHere;

    /** Mean answer F1 over the answered scored questions (see --answer-limit). */
    double answerF1(int category) {
        return meanOfAnswered(category, Scored::f1);
    }

    double judgedAccuracy(int category) {
        return meanOfAnswered(category, Scored::judged);
    }

    private int answeredCount(int category) {
        int n = 0;
        for (Scored s : scored) {
            if ((category == 0 || s.category() == category) && !Double.isNaN(s.f1())) {
                n++;
            }
        }
        return n;
    }

    private double meanOfAnswered(int category, java.util.function.ToDoubleFunction<Scored> f) {
        double sum = 0;
        int n = 0;
        for (Scored s : scored) {
            double v = f.applyAsDouble(s);
            if ((category == 0 || s.category() == category) && !Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? 0.0 : sum / n;
    }

    int scoredQueries() {
        return scored.size();
    }

    /** Mean recall@kk over the scored questions, optionally of one category (0 = all). */
    double recall(int kk, int category) {
        return mean(category, s -> s.recall()[Math.min(kk, maxK)]);
    }

    double answerRecall(int category) {
        return mean(category, Scored::answerRecall);
    }

    double tokensPerQuery(int kk) {
        return mean(0, s -> s.tokens()[Math.min(kk, maxK)]);
    }

    private double mean(int category, java.util.function.ToDoubleFunction<Scored> f) {
        double sum = 0;
        int n = 0;
        for (Scored s : scored) {
            if (category == 0 || s.category() == category) {
                sum += f.applyAsDouble(s);
                n++;
            }
        }
        return n == 0 ? 0.0 : sum / n;
    }

    private int count(int category) {
        int n = 0;
        for (Scored s : scored) {
            if (s.category() == category) {
                n++;
            }
        }
        return n;
    }

    private double perTurn(long n) {
        return turns == 0 ? 0.0 : (double) n / turns;
    }

    /** The report fields, in the contract's order. */
    Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int kk : ks()) {
            m.put("recall@" + kk, round(recall(kk, 0)));
        }
        m.put("answerRecall@" + k, round(answerRecall(0)));
        m.put("rawTokens", rawTokens);
        m.put("storedTokens", storedTokens);
        m.put("retrievedTokensPerQuery@" + k, round(tokensPerQuery(k)));
        m.put("llmCalls", llmCalls);
        m.put("llmPromptTokens", llmPromptTokens);
        m.put("llmCompletionTokens", llmCompletionTokens);
        m.put("llmCallsPerTurn", round(perTurn(llmCalls)));
        m.put("llmPromptTokensPerTurn", round(perTurn(llmPromptTokens)));
        m.put("llmCompletionTokensPerTurn", round(perTurn(llmCompletionTokens)));
        if (answered) {
            m.put("answerF1", round(answerF1(0)));
            if (judging) {
                m.put("judgedAccuracy", round(judgedAccuracy(0)));
            }
            m.put("answered", answeredCount(0));
            m.put("answerCalls", answerCalls);
            m.put("answerFailures", answerFailures);
            m.put("judgeCalls", judgeCalls);
            m.put("judgeUnparsed", judgeUnparsed);
            m.put("judgeFailures", judgeFailures);
            m.put("answerPromptTokens", answerPromptTokens);
            m.put("answerCompletionTokens", answerCompletionTokens);
        }
        m.put("ingestTurnsPerSecond", round(ingestTurnsPerSecond));
        double[] lat = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        m.put("queryLatencyMsP50", round(Metrics.percentile(lat, 50)));
        m.put("queryLatencyMsP99", round(Metrics.percentile(lat, 99)));
        Map<String, Object> per = new LinkedHashMap<>();
        for (int c = 1; c <= 4; c++) {
            Map<String, Object> cat = new LinkedHashMap<>();
            cat.put("recall@" + k, round(recall(k, c)));
            cat.put("answerRecall@" + k, round(answerRecall(c)));
            if (answered) {
                cat.put("answerF1", round(answerF1(c)));
                cat.put("answered", answeredCount(c));
            }
            if (judging) {
                cat.put("judgedAccuracy", round(judgedAccuracy(c)));
            }
            cat.put("queries", count(c));
            per.put(CATEGORIES.get(c), cat);
        }
        m.put("perCategory", per);
        if (!pipeline.isEmpty()) {
            m.put("pipeline", pipeline);
        }
        return m;
    }

    /** The recall cut-offs reported: 5, 10, 20 and the chosen k. */
    List<Integer> ks() {
        java.util.TreeSet<Integer> s = new java.util.TreeSet<>(List.of(5, 10, 20));
        s.add(k);
        s.removeIf(x -> x > maxK);
        return new ArrayList<>(s);
    }

    static double round(double v) {
        return Math.round(v * 10_000.0) / 10_000.0;
    }
}
