package io.memflow.jobs.eval;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.memflow.jobs.cli.CliException;
import io.memflow.operators.remote.AnswerPrompt;
import io.memflow.operators.remote.RemoteEngine;
import io.memflow.operators.remote.RemoteSettings;
import io.memflow.serving.api.ChatMessage;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.annotation.Nullable;

/**
 * Generated answers and their judgement for {@code eval --answer-endpoint [--judge-endpoint]}: per
 * question, one call to the answer model with the system's top-k items ({@link AnswerPrompt}, the
 * same prompt the job uses), then, with a judge, one call asking whether the answer matches the
 * gold answer ({@link #JUDGE_SYSTEM}, {@link #judgePrompt}; docs/EVALUATION.md quotes both). A
 * failed answer call scores F1 0 and is not judged (judged wrong).
 */
final class JudgedAnswers implements AutoCloseable {
    static final String JUDGE_SYSTEM =
            "You grade answers to questions about a long conversation. Reply with exactly one"
                    + " word: yes or no.";

    /** Completion tokens of a generated answer at most. */
    static final int ANSWER_TOKENS = 32;

    /** Completion tokens of a verdict at most. */
    static final int VERDICT_TOKENS = 3;

    /** Scored questions answered per system at most (the first ones, in file order). */
    final int limit;

    private final RemoteEngine answerer;
    @Nullable private final RemoteEngine judge;
    long answerCalls;
    long answerFailures;
    long judgeCalls;
    long judgeUnparsed;
    long judgeFailures;
    long promptTokens;
    long completionTokens;

    /** One question's outcome: F1 in [0, 1], judged 1/0 or NaN without a judge. */
    record Outcome(String answer, double f1, double judged) {}

    private JudgedAnswers(RemoteEngine answerer, @Nullable RemoteEngine judge, int limit) {
        this.limit = limit;
        this.answerer = answerer;
        this.judge = judge;
    }

    /**
     * Clients for the endpoints; a missing model name is the first one the server lists.
     *
     * @param apiKeyEnv environment variable with the API key, or null
     */
    static JudgedAnswers open(
            String answerEndpoint,
            @Nullable String answerModel,
            @Nullable String judgeEndpoint,
            @Nullable String judgeModel,
            @Nullable String apiKeyEnv,
            int limit) {
        try {
            RemoteEngine a = engine(answerEndpoint, answerModel, apiKeyEnv);
            RemoteEngine j =
                    judgeEndpoint == null ? null : engine(judgeEndpoint, judgeModel, apiKeyEnv);
            return new JudgedAnswers(a, j, limit);
        } catch (java.io.IOException | RuntimeException e) {
            throw new CliException("cannot use the answer/judge endpoint: " + e.getMessage());
        }
    }

    private static RemoteEngine engine(String endpoint, @Nullable String model, String keyEnv)
            throws java.io.IOException {
        String m = model != null ? model : firstModel(endpoint, keyEnv);
        return RemoteEngine.create(
                new RemoteSettings(
                        endpoint, m, null, keyEnv, Duration.ofSeconds(120), 1, 2, ANSWER_TOKENS));
    }

    private static String firstModel(String endpoint, @Nullable String keyEnv) {
        String key = keyEnv == null ? null : System.getenv(keyEnv);
        OpenAIClient c =
                OpenAIOkHttpClient.builder()
                        .baseUrl(endpoint)
                        .apiKey(key == null ? "none" : key)
                        .build();
        try {
            var models = c.models().list().data();
            if (models.isEmpty()) {
                throw new CliException(endpoint + " lists no model; name one");
            }
            return models.get(0).id();
        } finally {
            c.close();
        }
    }

    boolean judging() {
        return judge != null;
    }

    Outcome score(String question, String gold, List<String> topTexts) {
        answerCalls++;
        String answer;
        try {
            RemoteEngine.Reply r =
                    answerer.chat(AnswerPrompt.ofLines(question, topTexts), ANSWER_TOKENS, false);
            promptTokens += r.promptTokens();
            completionTokens += r.completionTokens();
            answer = r.text().strip();
        } catch (RuntimeException e) {
            answerFailures++;
            return new Outcome("", 0.0, judge == null ? Double.NaN : 0.0);
        }
        double f1 = Metrics.tokenF1(answer, gold);
        if (judge == null) {
            return new Outcome(answer, f1, Double.NaN);
        }
        judgeCalls++;
        try {
            RemoteEngine.Reply v =
                    judge.chat(
                            List.of(
                                    ChatMessage.system(JUDGE_SYSTEM),
                                    ChatMessage.user(judgePrompt(question, gold, answer))),
                            VERDICT_TOKENS,
                            false);
            promptTokens += v.promptTokens();
            completionTokens += v.completionTokens();
            return new Outcome(answer, f1, verdict(v.text()));
        } catch (RuntimeException e) {
            judgeFailures++;
            return new Outcome(answer, f1, 0.0);
        }
    }

    static String judgePrompt(String question, String gold, String answer) {
        return "Question: "
                + question
                + "\nGold answer: "
                + gold
                + "\nGenerated answer: "
                + answer
                + "\n\nDoes the generated answer state what the gold answer states? It may use"
                + " other words, be longer, or write a date another way, but it must contain the"
                + " gold answer's key fact and must not contradict it. Reply yes or no.";
    }

    /** 1 for a reply starting with "yes", 0 otherwise (an unparsable one is counted). */
    private double verdict(String reply) {
        String v = reply.strip().toLowerCase(Locale.ROOT);
        if (v.startsWith("yes")) {
            return 1.0;
        }
        if (!v.startsWith("no")) {
            judgeUnparsed++;
        }
        return 0.0;
    }

    @Override
    public void close() {
        answerer.close();
        if (judge != null) {
            judge.close();
        }
    }
}
