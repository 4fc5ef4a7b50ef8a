package io.memflow.operators.inference;

import io.memflow.schemas.internal.EpisodeMeta;
import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.epicache.BlockPrefill;
import io.memflow.serving.epicache.EpiCache;
import io.memflow.serving.epicache.EpiCacheConfig;
import io.memflow.serving.epicache.Episode;
import io.memflow.serving.epicache.EpisodeRouter;
import io.memflow.serving.epicache.PatchedPromptScorer;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.DecodeLoop;
import io.memflow.serving.model.LlamaModel;
import io.memflow.serving.sampling.Sampler;
import io.memflow.serving.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The inference tier without Flink: EpiCache episodes for one user's utterances, question routing,
 * and answer generation from the routed episode's compressed KV cache.
 *
 * <p>Everything a cache depends on is in the {@link EpisodeMeta} the keyed state keeps (context and
 * patched-prompt token ids), so a cache evicted from the {@link KvPool}, or lost with a
 * TaskManager, is rebuilt bit for bit and greedy answers repeat exactly.
 *
 * <p>Positions. Keys are cached after RoPE, so every position must stay inside the model's context.
 * The context of an episode's cache therefore ends {@link #reserve()} tokens before the context
 * length, leaving room for the patched prompt while it scores and for the question, the memories
 * and the answer. When the user's whole conversation fits, every episode compresses all of it, as
 * in the paper; when it does not (small models, long conversations), each episode compresses its
 * own utterance windows, latest first, so routing still picks what the question is about.
 */
public final class EpisodicEngine {
    /** Greedy decoding: answers must repeat exactly after a cache is rebuilt. */
    private final Sampler greedy = Sampler.create(0f, 0f, 0L);

    private final BitSet stopTokens;

    private final LlamaModel model;
    private final TextEmbedder embedder;
    private final InferenceSettings settings;
    private final int[] layerBudgets;
    private final KvPool pool;
    private final EpiCacheConfig config;
    private final EpiCache epiCache;
    private final int promptCap;
    private final int questionCap;

    /** What one answer took; rates feed the operator's metrics. */
    public record Generation(
            String text,
            int[] tokens,
            boolean rebuilt,
            int prefillTokens,
            long prefillNanos,
            int decodeTokens,
            long decodeNanos,
            int episode) {}

    public EpisodicEngine(
            LlamaModel model,
            TextEmbedder embedder,
            InferenceSettings settings,
            int[] layerBudgets,
            KvPool pool) {
        this.model = model;
        this.embedder = embedder;
        this.settings = settings;
        this.layerBudgets = layerBudgets.clone();
        this.pool = pool;
        this.stopTokens = DecodeLoop.stopTokens(model.tokenizer());
        int ctx = model.config().contextLength();
        // a fifth of the context each for the patched prompt and for memories + question: on a
        // 512-token model that is 102 tokens, about two LoCoMo utterances per medoid window pair
        this.promptCap = Math.max(16, Math.min(256, ctx / 5));
        this.questionCap = Math.max(16, Math.min(512, ctx / 5));
        if (reserve() >= ctx - 16) {
            throw new IllegalArgumentException(
                    "memflow.inference.max-new-tokens "
                            + settings.maxNewTokens()
                            + " leaves no room for a context in the model's "
                            + ctx
                            + " positions; lower it");
        }
        this.config =
                EpiCacheConfig.defaults(settings.budget(), settings.block())
                        .withEpisodes(settings.episodes())
                        .withPromptTokens(promptCap);
        this.epiCache = new EpiCache(model, embedder, config);
    }

    public LlamaModel model() {
        return model;
    }

    public KvPool pool() {
        return pool;
    }

    public int[] layerBudgets() {
        return layerBudgets.clone();
    }

    /** Positions kept free after the context: the patched prompt, or question plus answer. */
    public int reserve() {
        return Math.max(promptCap, questionCap + settings.maxNewTokens());
    }

    /** How an utterance reads in the context and in episode windows. */
    public static String utterance(String speaker, String text) {
        return speaker + " said, \"" + text.replace('\n', ' ') + "\"\n";
    }

    /** The episodes of a user's utterances (oldest first); empty when there are none. */
    public List<EpisodeMeta> build(List<String> utterances) {
        if (utterances.isEmpty()) {
            return List.of();
        }
        Tokenizer tok = model.tokenizer();
        int[][] ids = new int[utterances.size()][];
        long total = 0;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tok.encode(utterances.get(i), false);
            total += ids[i].length;
        }
        int cap = model.config().contextLength() - reserve() - (tok.addBos() ? 1 : 0);
        List<Episode> episodes = epiCache.episodes(utterances);
        int window = config.window();
        List<EpisodeMeta> out = new ArrayList<>();
        for (Episode e : episodes) {
            int[] context;
            if (total <= cap) {
                context = concat(ids, allIndices(ids.length), cap, tok);
            } else {
                List<Integer> members = new ArrayList<>();
                for (int w : e.windows()) {
                    for (int u = w * window; u < Math.min(ids.length, (w + 1) * window); u++) {
                        members.add(u);
                    }
                }
                context = concat(ids, members, cap, tok);
            }
            int[] prompt = epiCache.patchedPrompt(utterances, e);
            out.add(
                    EpisodeMeta.newBuilder()
                            .setId(e.id())
                            .setCentroid(floats(e.centroid()))
                            .setContextTokens(ints(context))
                            .setPromptTokens(ints(prompt))
                            .setWindows(e.windows().length)
                            .build());
        }
        return out;
    }

    /**
     * The index into {@code episodes} whose centroid is nearest {@code question} in cosine, by the
     * engine's one router ({@link EpisodeRouter}); ties go to the lower index.
     */
    public int route(String question, List<EpisodeMeta> episodes) {
        float[] q = embedder.embed(List.of(question))[0];
        List<float[]> centroids = new ArrayList<>(episodes.size());
        for (EpisodeMeta e : episodes) {
            centroids.add(toFloats(e.getCentroid()));
        }
        return EpisodeRouter.nearestCentroid(q, centroids);
    }

    /**
     * Answers {@code question} from the episode's cache (rebuilt into the pool when missing) with
     * the memories retrieval chose, greedily. The question's and answer's entries are dropped
     * afterwards, so the cache is the same for the next question.
     *
     * @param episode null when the user has said nothing yet: the answer starts from BOS
     */
    public Generation generate(
            String cacheKey, EpisodeMeta episode, String question, List<String> memories) {
        Tokenizer tok = model.tokenizer();
        long t0 = System.nanoTime();
        boolean rebuilt = false;
        KvCache cache;
        int start;
        int prefilled = 0;
        if (episode == null) {
            cache = model.newCache();
            int[] bos = {tok.vocabulary().bos()};
            model.prefill(bos, new int[] {0}, cache, null);
            start = 1;
            prefilled = 1;
        } else {
            int[] context = toArray(episode.getContextTokens());
            start = context.length;
            cache = pool.get(cacheKey);
            if (cache == null) {
                cache = model.newCache();
                BlockPrefill.run(
                        model,
                        cache,
                        context,
                        0,
                        settings.block(),
                        layerBudgets,
                        new PatchedPromptScorer(toArray(episode.getPromptTokens())),
                        null);
                cache = cache.compact();
                long full = (long) context.length * cache.layers() * cache.bytesPerEntry();
                pool.put(cacheKey, cache, full);
                rebuilt = true;
                prefilled = context.length;
            }
        }
        int[] prompt = answerPrompt(tok, question, memories);
        float[] logits = model.forward(prompt, range(start, prompt.length), cache, null);
        prefilled += prompt.length;
        long t1 = System.nanoTime();
        DecodeLoop.Result d = decode(logits, cache, start + prompt.length, settings.maxNewTokens());
        long t2 = System.nanoTime();
        if (episode != null) {
            cache.drop(range(start, d.nextPosition() - start));
            if (pool.get(cacheKey) == cache) { // still pooled: shrink it back and re-account it
                pool.replace(cacheKey, cache.compact());
            }
        }
        int[] generated = d.tokens();
        String text =
                tok.decode(prompt.length > 0 ? prompt[prompt.length - 1] : -1, generated).strip();
        return new Generation(
                text,
                generated,
                rebuilt,
                prefilled,
                t1 - t0,
                generated.length,
                t2 - t1,
                episode == null ? -1 : episode.getId());
    }

    /**
     * Greedy decoding through the engine's one decode loop: stops at EOS, BOS and the chat format's
     * stop tokens, {@code max} tokens or the context end.
     */
    private DecodeLoop.Result decode(float[] logits, KvCache cache, int position, int max) {
        return DecodeLoop.run(
                model,
                logits,
                cache,
                position,
                max,
                greedy,
                stopTokens,
                token -> {},
                CancellationToken.none());
    }

    /** Positions {@code from, from + 1, ..., from + n - 1}. */
    private static int[] range(int from, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /**
     * Greedy completion of {@code prompt} from an empty cache (BOS first when the model wants it),
     * for one-off calls such as a consolidation summary; the prompt keeps its end when it is too
     * long. Nothing is pooled.
     */
    public String complete(String prompt, int maxNewTokens) {
        Tokenizer tok = model.tokenizer();
        int ctx = model.config().contextLength();
        int[] body = tok.encode(prompt, false);
        int bos = tok.addBos() ? 1 : 0;
        int room = Math.max(1, ctx - maxNewTokens - bos);
        if (body.length > room) {
            body = Arrays.copyOfRange(body, body.length - room, body.length);
        }
        int[] ids = new int[bos + body.length];
        if (bos == 1) {
            ids[0] = tok.vocabulary().bos();
        }
        System.arraycopy(body, 0, ids, bos, body.length);
        KvCache cache = model.newCache();
        float[] logits = model.forward(ids, range(0, ids.length), cache, null);
        int[] out = decode(logits, cache, ids.length, maxNewTokens).tokens();
        return tok.decode(ids[ids.length - 1], out).strip();
    }

    /** Memories (best first, as many as fit) and the question, after the episode's context. */
    int[] answerPrompt(Tokenizer tok, String question, List<String> memories) {
        int[] tail = tok.encode("Question: " + question.strip() + "\nAnswer:", false);
        if (tail.length > questionCap) { // keep the end: "Answer:" must follow the question
            tail = Arrays.copyOfRange(tail, tail.length - questionCap, tail.length);
        }
        StringBuilder mem = new StringBuilder("\nMemories:\n");
        int used = tok.encode(mem.toString(), false).length + tail.length;
        int kept = 0;
        for (String m : memories) {
            String line = "- " + m.replace('\n', ' ').strip() + "\n";
            int len = tok.encode(line, false).length;
            if (used + len > questionCap) {
                break;
            }
            mem.append(line);
            used += len;
            kept++;
        }
        int[] head = kept == 0 ? tok.encode("\n", false) : tok.encode(mem.toString(), false);
        int[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all.length > questionCap
                ? Arrays.copyOfRange(all, all.length - questionCap, all.length)
                : all;
    }

    private static int[] concat(int[][] ids, List<Integer> order, int cap, Tokenizer tok) {
        // latest utterances first until the cap, then back into time order
        List<Integer> chosen = new ArrayList<>();
        int len = 0;
        for (int i = order.size() - 1; i >= 0; i--) {
            int u = order.get(i);
            if (len + ids[u].length > cap) {
                if (chosen.isEmpty()) { // one utterance longer than the cap: keep its end
                    chosen.add(-1 - u);
                }
                break;
            }
            chosen.add(u);
            len += ids[u].length;
        }
        int bos = tok.addBos() ? 1 : 0;
        int[] out = new int[bos + Math.min(len == 0 ? cap : len, cap)];
        if (bos == 1) {
            out[0] = tok.vocabulary().bos();
        }
        int at = bos;
        for (int i = chosen.size() - 1; i >= 0; i--) {
            int u = chosen.get(i);
            if (u < 0) {
                int[] t = ids[-1 - u];
                System.arraycopy(t, t.length - cap, out, at, cap);
                at += cap;
            } else {
                System.arraycopy(ids[u], 0, out, at, ids[u].length);
                at += ids[u].length;
            }
        }
        return Arrays.copyOf(out, at);
    }

    private static List<Integer> allIndices(int n) {
        List<Integer> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    private static float[] toFloats(List<Float> l) {
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    private static List<Float> floats(float[] v) {
        List<Float> l = new ArrayList<>(v.length);
        for (float f : v) {
            l.add(f);
        }
        return l;
    }

    private static List<Integer> ints(int[] v) {
        List<Integer> l = new ArrayList<>(v.length);
        for (int i : v) {
            l.add(i);
        }
        return l;
    }

    static int[] toArray(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }
}
