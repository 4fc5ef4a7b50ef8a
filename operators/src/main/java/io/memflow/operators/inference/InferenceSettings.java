package io.memflow.operators.inference;

import io.memflow.operators.config.MemflowOptions;
import java.io.Serializable;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What the inference tier needs to know, read once from the job configuration. Operators carry it
 * (it is small and serializable); the model itself is loaded on the TaskManager by {@link
 * SharedEngines}.
 *
 * @param modelPath GGUF file
 * @param budget EpiCache M, KV entries kept per layer in each episode cache
 * @param block EpiCache B, tokens prefilled between evictions
 * @param episodes E, K-means clusters per user
 * @param maxNewTokens tokens generated per answer at most
 * @param poolBytes byte budget of the TaskManager's KV pool
 * @param maxUtterances recent utterances kept per user
 * @param threads kernel worker threads
 * @param embeddingModel the sentence embedder of episode clustering and routing ({@code
 *     memflow.embedding.model}, used even when retrieval runs without vectors)
 */
public record InferenceSettings(
        String modelPath,
        int budget,
        int block,
        int episodes,
        int maxNewTokens,
        long poolBytes,
        int maxUtterances,
        int threads,
        String embeddingModel)
        implements Serializable {

    public InferenceSettings {
        if (modelPath == null || modelPath.isBlank()) {
            throw new IllegalArgumentException("memflow.inference.model-path is not set");
        }
        if (budget < 1 || block < 1 || episodes < 1 || maxNewTokens < 1) {
            throw new IllegalArgumentException(
                    "memflow.inference.kv-budget, prefill-block, episodes and max-new-tokens must"
                            + " be >= 1");
        }
        if (maxUtterances < 4 || threads < 1 || poolBytes < 1) {
            throw new IllegalArgumentException(
                    "memflow.inference.max-utterances must be >= 4, threads >= 1 and"
                            + " kv-pool-size > 0");
        }
    }

    /** The settings of {@code conf}, or null when no model is configured. */
    public static InferenceSettings of(ReadableConfig conf) {
        String path = conf.getOptional(MemflowOptions.MODEL_PATH).orElse(null);
        if (path == null || path.isBlank()) {
            return null;
        }
        return new InferenceSettings(
                path,
                conf.get(MemflowOptions.KV_BUDGET),
                conf.get(MemflowOptions.PREFILL_BLOCK),
                conf.get(MemflowOptions.EPISODES),
                conf.get(MemflowOptions.MAX_NEW_TOKENS),
                conf.get(MemflowOptions.KV_POOL_SIZE).getBytes(),
                conf.get(MemflowOptions.MAX_UTTERANCES),
                conf.get(MemflowOptions.INFERENCE_THREADS),
                conf.get(MemflowOptions.EMBEDDING_MODEL));
    }
}
