package io.memflow.serving.epicache;

import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import java.util.ArrayList;
import java.util.List;

/**
 * EpiCache on the engine: episodes from the conversation's utterances, then per episode one
 * block-wise prefill of the context, evicting by the episode's patched-prompt attention down to the
 * layer budgets. This is the offline half; {@link EpisodicCaches} is the online half (routing).
 *
 * <pre>
 *   utterances --windows(4)--> embed --K-means(E)--> episodes --medoids(8)--> patched prompts P_e
 *   context tokens --block prefill, score by P_e, evict to M_l--> KV_e      (E passes)
 *   question --embed--> nearest centroid e* --> decode with KV_e*
 * </pre>
 */
public final class EpiCache {
    private final LlamaModel model;
    private final TextEmbedder embedder;
    private final EpiCacheConfig config;

    public EpiCache(LlamaModel model, TextEmbedder embedder, EpiCacheConfig config) {
        this.model = model;
        this.embedder = embedder;
        this.config = config;
    }

    /** Episodes of a conversation given as utterance strings (e.g. {@code 'Ann said, "..."\n'}). */
    public List<Episode> episodes(List<String> utterances) {
        return EpisodeBuilder.build(
                utterances,
                embedder,
                config.episodes(),
                config.window(),
                config.medoids(),
                config.seed());
    }

    /**
     * Compresses {@code context} (token ids starting at position 0, BOS included if the model wants
     * it) once per episode.
     *
     * @param utterances the utterances the episodes were built from (for the patched prompts)
     * @param layerBudgets per-layer budgets (e.g. {@link LayerProfile#budgets}), or null for
     *     uniform
     */
    public EpisodicCaches compress(
            List<String> utterances, List<Episode> episodes, int[] context, int[] layerBudgets) {
        int layers = model.config().layers();
        int[] budgets =
                layerBudgets != null ? layerBudgets : LayerBudgets.uniform(layers, config.budget());
        List<KvCache> caches = new ArrayList<>();
        List<PrefillStats> stats = new ArrayList<>();
        for (Episode e : episodes) {
            int[] prompt = patchedPrompt(utterances, e);
            KvCache cache = model.newCache();
            stats.add(
                    BlockPrefill.run(
                            model,
                            cache,
                            context,
                            0,
                            config.block(),
                            budgets,
                            new PatchedPromptScorer(prompt),
                            null));
            caches.add(cache);
        }
        return new EpisodicCaches(episodes, caches, stats, embedder, context.length);
    }

    /**
     * The token ids of {@code episode}'s patched prompt. With {@link PatchedPromptScorer} and
     * {@link BlockPrefill#run} from {@code cache.maxPosition() + 1}, new blocks of a growing
     * conversation can be appended to an episode's cache without redoing its history.
     */
    public int[] patchedPrompt(List<String> utterances, Episode episode) {
        String[] windows =
                EpisodeBuilder.windows(utterances, config.window()).toArray(new String[0]);
        return PatchedPrompt.tokens(model.tokenizer(), episode, windows, config.promptTokens());
    }
}
