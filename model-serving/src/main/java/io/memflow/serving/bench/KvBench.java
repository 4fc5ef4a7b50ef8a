package io.memflow.serving.bench;

import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.epicache.BlockPrefill;
import io.memflow.serving.epicache.BlockScorer;
import io.memflow.serving.epicache.EpiCache;
import io.memflow.serving.epicache.EpiCacheConfig;
import io.memflow.serving.epicache.Episode;
import io.memflow.serving.epicache.EpisodicCaches;
import io.memflow.serving.epicache.LayerBudgets;
import io.memflow.serving.epicache.PrefillStats;
import io.memflow.serving.epicache.SlidingWindowScorer;
import io.memflow.serving.epicache.SnapKvScorer;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kv-bench}: EpiCache against full KV, a sliding window with sinks and uniform SnapKV, all
 * under the same block prefill and budget, on LoCoMo questions. Each conversation is cut into
 * context segments that fit the model; each answerable question is asked in the segment holding its
 * first evidence turn; fidelity is measured at its answer tokens (see {@link KvFidelity}). Episodes
 * are clustered over the whole conversation, as EpiCache would in the pipeline.
 */
public final class KvBench {
    /** Knobs of one run; see {@code KvBenchCommand} for their meaning. */
    public record Options(
            EpiCacheConfig epicache,
            int segmentTokens,
            int questionTokens,
            int answerTokens,
            int sinks,
            int snapWindow,
            int conversations,
            int questionsPerConversation) {}

    /** Fidelity and memory of one method, summed over segments. */
    static final class MethodTotals {
        final KvFidelity.Tally tally = new KvFidelity.Tally();
        long retainedBytes;
        long peakContextBytes;
        long peakBytes;
        int caches;

        void add(PrefillStats s) {
            retainedBytes += s.retainedBytes();
            peakContextBytes = Math.max(peakContextBytes, s.peakContextBytes());
            peakBytes = Math.max(peakBytes, s.peakBytes());
            caches++;
        }
    }

    private final LlamaModel model;
    private final TextEmbedder embedder;
    private final Options options;
    private final int[] layerBudgets;

    public KvBench(LlamaModel model, TextEmbedder embedder, Options options, int[] layerBudgets) {
        this.model = model;
        this.embedder = embedder;
        this.options = options;
        this.layerBudgets = layerBudgets.clone();
    }

    /** Runs the benchmark; the result is JSON-ready (maps, lists, numbers). */
    public Map<String, Object> run(List<LocomoConversation> conversations) {
        EpiCache epi = new EpiCache(model, embedder, options.epicache());
        int layers = model.config().layers();
        int[] uniform = LayerBudgets.uniform(layers, options.epicache().budget());
        Map<String, MethodTotals> totals = new LinkedHashMap<>();
        for (String k :
                List.of("fullKv", "epicache", "epicacheUniform", "slidingWindow", "snapkv")) {
            totals.put(k, new MethodTotals());
        }
        long fullBytes = 0;
        long fullPeak = 0;
        int segments = 0;
        int questions = 0;
        int[] routed = new int[options.epicache().episodes()];
        for (LocomoConversation conv :
                conversations.subList(0, Math.min(options.conversations(), conversations.size()))) {
            List<String> utterances = new ArrayList<>();
            for (LocomoConversation.Turn t : conv.turns()) {
                utterances.add(t.utterance());
            }
            List<ContextSegment> cut =
                    ContextSegment.cut(conv.turns(), model.tokenizer(), options.segmentTokens());
            List<List<LocomoConversation.Question>> asked = assign(conv, cut);
            List<Episode> episodes = epi.episodes(utterances);
            for (int s = 0; s < cut.size(); s++) {
                if (asked.get(s).isEmpty()) {
                    continue;
                }
                int[] ctx = cut.get(s).tokens();
                segments++;
                KvCache full = model.newCache();
                PrefillStats fs =
                        prefill(
                                full,
                                ctx,
                                LayerBudgets.uniform(layers, Integer.MAX_VALUE),
                                new SlidingWindowScorer(0));
                totals.get("fullKv").add(fs);
                fullBytes += fs.retainedBytes();
                fullPeak = Math.max(fullPeak, fs.peakBytes());
                EpisodicCaches ec = epi.compress(utterances, episodes, ctx, layerBudgets);
                EpisodicCaches eu = epi.compress(utterances, episodes, ctx, uniform);
                for (int e = 0; e < episodes.size(); e++) {
                    totals.get("epicache").add(ec.stats(e));
                    totals.get("epicacheUniform").add(eu.stats(e));
                }
                KvCache sliding = model.newCache();
                totals.get("slidingWindow")
                        .add(
                                prefill(
                                        sliding,
                                        ctx,
                                        uniform,
                                        new SlidingWindowScorer(options.sinks())));
                KvCache snap = model.newCache();
                totals.get("snapkv")
                        .add(prefill(snap, ctx, uniform, new SnapKvScorer(options.snapWindow())));
                for (LocomoConversation.Question q : asked.get(s)) {
                    int[][] qa = questionAndAnswer(q, ctx.length);
                    if (qa == null) {
                        continue;
                    }
                    questions++;
                    float[][] ref = KvFidelity.answerLogits(model, full, qa[0], qa[1], ctx.length);
                    int e = ec.route(q.question());
                    routed[e]++;
                    compare(totals.get("fullKv"), ref, full, qa, ctx.length);
                    compare(totals.get("epicache"), ref, ec.cache(e), qa, ctx.length);
                    compare(totals.get("epicacheUniform"), ref, eu.cache(e), qa, ctx.length);
                    compare(totals.get("slidingWindow"), ref, sliding, qa, ctx.length);
                    compare(totals.get("snapkv"), ref, snap, qa, ctx.length);
                }
            }
        }
        return report(totals, fullBytes, fullPeak, segments, questions, routed);
    }

    private Map<String, Object> report(
            Map<String, MethodTotals> totals,
            long fullBytes,
            long fullPeak,
            int segments,
            int questions,
            int[] routed) {
        Map<String, Object> out = new LinkedHashMap<>();
        MethodTotals epi = totals.get("epicache");
        long fullPerSegment = segments == 0 ? 0 : fullBytes / segments;
        out.put("segments", segments);
        out.put("questions", questions);
        out.put("answerPositions", epi.tally.positions());
        out.put("fullKvBytes", fullPeak);
        out.put("fullKvBytesPerSegment", fullPerSegment);
        out.put("peakKvBytes", epi.peakBytes);
        out.put("peakContextKvBytes", epi.peakContextBytes);
        out.put(
                "retainedKvBytesPerEpisodeCache",
                epi.caches == 0 ? 0 : epi.retainedBytes / epi.caches);
        double perCache = epi.caches == 0 ? 0 : (double) epi.retainedBytes / epi.caches;
        out.put("compressionRatio", perCache == 0 ? 0 : fullPerSegment / perCache);
        out.put("routedQuestionsPerEpisode", routed);
        for (Map.Entry<String, MethodTotals> t : totals.entrySet()) {
            MethodTotals m = t.getValue();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("top1Agreement", m.tally.top1Agreement());
            j.put("meanKl", m.tally.meanKl());
            j.put("retainedKvBytesPerCache", m.caches == 0 ? 0 : m.retainedBytes / m.caches);
            j.put("peakKvBytes", m.peakBytes);
            j.put("peakContextKvBytes", m.peakContextBytes);
            out.put(t.getKey(), j);
        }
        return out;
    }

    private PrefillStats prefill(KvCache cache, int[] ctx, int[] budgets, BlockScorer scorer) {
        return BlockPrefill.run(
                model, cache, ctx, 0, options.epicache().block(), budgets, scorer, null);
    }

    private void compare(MethodTotals t, float[][] ref, KvCache cache, int[][] qa, int first) {
        float[][] got = KvFidelity.answerLogits(model, cache, qa[0], qa[1], first);
        for (int i = 0; i < ref.length; i++) {
            t.tally.add(ref[i], got[i]);
        }
    }

    /** Question prefix and answer tokens, capped; null if nothing fits after the context. */
    private int[][] questionAndAnswer(LocomoConversation.Question q, int first) {
        int[] answer = model.tokenizer().encode(" " + q.answer().strip(), false);
        answer = Arrays.copyOf(answer, Math.min(answer.length, options.answerTokens()));
        int[] prefix =
                model.tokenizer()
                        .encode("\nQuestion: " + q.question().strip() + "\nAnswer:", false);
        if (prefix.length > options.questionTokens()) {
            // keep the end: "...?\nAnswer:" is what the answer follows
            prefix =
                    Arrays.copyOfRange(
                            prefix, prefix.length - options.questionTokens(), prefix.length);
        }
        int room = model.config().contextLength() - first;
        if (answer.length == 0 || prefix.length + answer.length > room) {
            return null;
        }
        return new int[][] {prefix, answer};
    }

    /**
     * Per segment, the questions whose first known evidence turn lies in it, capped per
     * conversation.
     */
    private List<List<LocomoConversation.Question>> assign(
            LocomoConversation conv, List<ContextSegment> cut) {
        List<List<LocomoConversation.Question>> out = new ArrayList<>();
        for (int s = 0; s < cut.size(); s++) {
            out.add(new ArrayList<>());
        }
        int taken = 0;
        for (LocomoConversation.Question q : conv.questions()) {
            if (taken == options.questionsPerConversation()) {
                break;
            }
            int seg = -1;
            for (String id : q.evidence()) {
                for (int s = 0; s < cut.size() && seg < 0; s++) {
                    if (cut.get(s).diaIds().contains(id)) {
                        seg = s;
                    }
                }
                if (seg >= 0) {
                    break;
                }
            }
            if (seg >= 0) {
                out.get(seg).add(q);
                taken++;
            }
        }
        return out;
    }
}
