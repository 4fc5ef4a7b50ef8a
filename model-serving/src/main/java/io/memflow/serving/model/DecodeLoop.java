package io.memflow.serving.model;

import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.GenerationResult.StopReason;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.sampling.Sampler;
import io.memflow.serving.tokenizer.Tokenizer;
import io.memflow.serving.tokenizer.Vocabulary;
import java.util.Arrays;
import java.util.BitSet;
import java.util.function.IntConsumer;

/**
 * The one token-by-token decode loop of the engine: sample, stop on a stop token, the token budget
 * or the end of the context, otherwise feed the token back. {@link LlamaEngine} (CLI, chat) and the
 * Flink inference operator both decode through here, so a model's chat-format stop tokens end an
 * operator's answer exactly as they end {@code memflow generate}.
 */
public final class DecodeLoop {

    /**
     * What one decode produced.
     *
     * @param tokens generated tokens, stop token excluded
     * @param nextPosition the first position nothing was written to in the cache
     * @param reason why decoding ended
     * @param forwardSteps forward passes run (one per token fed back)
     */
    public record Result(int[] tokens, int nextPosition, StopReason reason, int forwardSteps) {}

    private DecodeLoop() {}

    /**
     * The tokens that end a generation: EOS, BOS (llama2.c-style models separate documents with
     * BOS, so a generated BOS ends the text) and the chat format's stop tokens (for example {@code
     * <|im_end|>}, which chat models emit instead of EOS).
     */
    public static BitSet stopTokens(Tokenizer tokenizer) {
        BitSet stops = new BitSet();
        Vocabulary v = tokenizer.vocabulary();
        if (v.eos() >= 0) {
            stops.set(v.eos());
        }
        if (v.bos() >= 0) {
            stops.set(v.bos());
        }
        for (String s : tokenizer.chatFormat().stopTokens()) {
            if (v.id(s) >= 0) {
                stops.set(v.id(s));
            }
        }
        return stops;
    }

    /**
     * Decodes after a prompt whose last logits are {@code logits}: each accepted token is reported
     * to {@code onToken}, then fed back at {@code position}, {@code position + 1}, ... until a
     * token of {@code stops}, {@code maxTokens} tokens, the context end, or cancellation.
     *
     * @param logits the prompt's last logits; the sampler may modify them
     */
    public static Result run(
            LlamaModel model,
            float[] logits,
            KvCache cache,
            int position,
            int maxTokens,
            Sampler sampler,
            BitSet stops,
            IntConsumer onToken,
            CancellationToken cancellation) {
        int context = model.config().contextLength();
        int[] out = new int[Math.max(0, maxTokens)];
        int[] token = new int[1]; // reused: one forward input per step, no per-token garbage
        int[] at = new int[1];
        float[] stepLogits = new float[model.config().vocabSize()]; // reused by every step
        int n = 0;
        int pos = position;
        int steps = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        while (n < maxTokens) {
            if (cancellation.isCancelled()) {
                reason = StopReason.CANCELLED;
                break;
            }
            int next = sampler.sample(logits);
            if (stops.get(next)) {
                reason = StopReason.STOP_TOKEN;
                break;
            }
            out[n++] = next;
            onToken.accept(next);
            if (n == maxTokens) {
                break;
            }
            if (pos >= context) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            token[0] = next;
            at[0] = pos;
            logits = model.forward(token, at, cache, null, stepLogits);
            pos++;
            steps++;
        }
        return new Result(Arrays.copyOf(out, n), pos, reason, steps);
    }
}
