package io.memflow.jobs.eval;

import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.Text;
import io.memflow.serving.embedding.TextEmbedder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The two reference systems of docs/EVALUATION.md, scored with the same metrics as memflow.
 *
 * <ul>
 *   <li>{@code naive-rag}: every raw turn is one chunk ("speaker: text [shares: caption]"),
 *       embedded with the pipeline's embedder; a question gets the top-k chunks by cosine. For
 *       answer recall each chunk carries its session's date string, as the reference values do.
 *   <li>{@code full-text}: the whole conversation (every chunk under its session date) is the
 *       context, so recall is 1 by construction and the cost is its size.
 * </ul>
 */
final class Baselines {
    private Baselines() {}

    static SystemScores naiveRag(
            List<Locomo.Conversation> convs,
            TextEmbedder embedder,
            int k,
            int maxK,
            Progress progress,
            @javax.annotation.Nullable JudgedAnswers judged) {
        SystemScores s = new SystemScores("naive-rag", k, maxK);
        if (judged != null) {
            s.answerWith(judged);
        }
        int total = 0;
        for (Locomo.Conversation c : convs) {
            total += c.questions().size();
        }
        progress.start("naive-rag questions", total);
        for (Locomo.Conversation c : convs) {
            List<SystemScores.Item> chunks = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (Locomo.Session session : c.sessions()) {
                for (Locomo.Turn t : session.turns()) {
                    chunks.add(
                            new SystemScores.Item(
                                    t.chunk(),
                                    t.chunk() + " " + session.dateText(),
                                    List.of(t.diaId())));
                    texts.add(t.chunk());
                    s.rawTokens += Text.countTokens(t.fullText());
                    s.storedTokens += Text.countTokens(t.chunk());
                }
            }
            long start = System.nanoTime();
            float[][] vectors = embedder.embed(texts);
            s.ingestTurnsPerSecond += (System.nanoTime() - start) / 1e9; // seconds, see below
            for (Locomo.Question q : c.questions()) {
                long t0 = System.nanoTime();
                float[] qv = embedder.embed(q.question());
                List<Integer> order = new ArrayList<>();
                double[] cos = new double[vectors.length];
                for (int i = 0; i < vectors.length; i++) {
                    cos[i] = Vectors.dot(qv, vectors[i]);
                    order.add(i);
                }
                order.sort(Comparator.comparingDouble(i -> -cos[i]));
                List<SystemScores.Item> top = new ArrayList<>();
                for (int i : order.subList(0, Math.min(maxK, order.size()))) {
                    top.add(chunks.get(i));
                }
                s.add(q, top, (System.nanoTime() - t0) / 1e6);
                progress.step();
            }
        }
        progress.done();
        int turns = 0;
        for (Locomo.Conversation c : convs) {
            turns += c.turns().size();
        }
        s.ingestTurnsPerSecond = turns / Math.max(s.ingestTurnsPerSecond, 1e-9);
        s.stopAnswering();
        return s;
    }

    static SystemScores fullText(
            List<Locomo.Conversation> convs,
            int k,
            int maxK,
            @javax.annotation.Nullable JudgedAnswers judged) {
        SystemScores s = new SystemScores("full-text", k, maxK);
        if (judged != null) {
            s.answerWith(judged);
        }
        int turns = 0;
        for (Locomo.Conversation c : convs) {
            StringBuilder history = new StringBuilder();
            List<String> all = new ArrayList<>();
            for (Locomo.Session session : c.sessions()) {
                history.append(session.dateText()).append('\n');
                for (Locomo.Turn t : session.turns()) {
                    history.append(t.chunk()).append('\n');
                    all.add(t.diaId());
                    s.rawTokens += Text.countTokens(t.fullText());
                    turns++;
                }
            }
            String text = history.toString();
            s.storedTokens += Text.countTokens(text);
            List<SystemScores.Item> context = List.of(new SystemScores.Item(text, all));
            for (Locomo.Question q : c.questions()) {
                // nothing to rank: the cost is the context's size, not time
                s.add(q, context, 0.0);
            }
        }
        s.ingestTurnsPerSecond = 0.0;
        s.stopAnswering();
        return s;
    }
}
