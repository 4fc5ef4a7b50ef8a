package io.memflow.serving.model;

import io.memflow.serving.api.CancellationToken;
import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.api.GenerationResult;
import io.memflow.serving.api.GenerationResult.StopReason;
import io.memflow.serving.api.InferenceEngine;
import io.memflow.serving.api.ModelInfo;
import io.memflow.serving.api.TokenListener;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.sampling.Sampler;
import io.memflow.serving.tokenizer.TokenDecoder;
import io.memflow.serving.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;

/** {@link InferenceEngine} over a {@link LlamaModel}: tokenize, prefill, decode, detokenize. */
public final class LlamaEngine implements InferenceEngine {
    /**
     * Generated tokens a request's KV cache has room for from the start, beyond its prompt. Why a
     * cap rather than {@code maxTokens}: an OpenAI-style request without {@code max_tokens} may
     * generate up to the rest of the context, and reserving that up front would cost gigabytes per
     * request on a long-context model (Llama 3.2 1B: 16 layers x 512 key/value floats x 128K
     * positions x 8 bytes = 8.6 GB) while most answers stop after a few hundred tokens. Longer
     * generations grow the cache as before.
     */
    static final int PRESIZED_NEW_TOKENS = 1024;

    private final LlamaModel model;
    private final BitSet stopTokens;

    public LlamaEngine(LlamaModel model) {
        this.model = model;
        this.stopTokens = DecodeLoop.stopTokens(model.tokenizer());
    }

    /** Loads {@code path} with the preferred kernels. */
    public static LlamaEngine open(Path path, int threads) throws IOException {
        return new LlamaEngine(LlamaModel.load(path, threads, Kernels.preferred()));
    }

    public LlamaModel model() {
        return model;
    }

    /**
     * Entries to size a generation's KV cache for up front (see {@link KvCache}): the prompt and
     * its token budget, at most {@link #PRESIZED_NEW_TOKENS} of it, so that a typical generation
     * never grows the cache's arrays.
     */
    static int cacheEntriesFor(int promptTokens, int maxTokens) {
        return promptTokens + Math.min(Math.max(0, maxTokens), PRESIZED_NEW_TOKENS);
    }

    @Override
    public ModelInfo info() {
        LlamaConfig c = model.config();
        return new ModelInfo(
                model.path().getFileName().toString(),
                c.architecture().ggufName(),
                c.contextLength(),
                c.vocabSize(),
                model.weightBytesPerToken());
    }

    @Override
    public int[] encode(String text) {
        return model.tokenizer().encode(text, true);
    }

    @Override
    public String decode(int[] tokens) {
        return model.tokenizer().decode(-1, tokens);
    }

    /** The prompt as token ids, BOS first when the tokenizer wants one. */
    public int[] promptTokens(GenerationRequest request) {
        Tokenizer tok = model.tokenizer();
        String text =
                request.isChat()
                        ? tok.chatFormat().render(request.messages(), true)
                        : request.prompt();
        int[] body = tok.encode(text, request.isChat());
        int bos = tok.vocabulary().bos();
        if (!tok.addBos() || bos < 0) {
            if (body.length == 0) {
                throw new IllegalArgumentException(
                        model.path()
                                + ": empty prompt and the model has no BOS token to start from");
            }
            return body;
        }
        int[] out = new int[body.length + 1];
        out[0] = bos;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    @Override
    public GenerationResult generate(
            GenerationRequest request, TokenListener listener, CancellationToken cancellation) {
        int[] prompt = promptTokens(request);
        int context = model.config().contextLength();
        if (prompt.length > context) {
            throw new IllegalArgumentException(
                    model.path()
                            + ": prompt has "
                            + prompt.length
                            + " tokens but the model's context length is "
                            + context
                            + "; shorten the prompt");
        }
        Sampler sampler = Sampler.create(request.temperature(), request.topP(), request.seed());
        KvCache cache = model.newCache(cacheEntriesFor(prompt.length, request.maxTokens()));
        TokenDecoder decoder = new TokenDecoder(model.tokenizer(), prompt[prompt.length - 1]);
        StringBuilder text = new StringBuilder();

        long start = System.nanoTime();
        float[] logits = prefill(prompt, cache, cancellation);
        long prefillNanos = System.nanoTime() - start;
        if (logits == null) {
            return new GenerationResult(
                    prompt, new int[0], "", StopReason.CANCELLED, prefillNanos, 0, 0);
        }

        long decodeStart = System.nanoTime();
        DecodeLoop.Result d =
                DecodeLoop.run(
                        model,
                        logits,
                        cache,
                        prompt.length,
                        request.maxTokens(),
                        sampler,
                        stopTokens,
                        token -> {
                            String piece = decoder.next(token);
                            text.append(piece);
                            listener.onToken(token, piece);
                        },
                        cancellation);
        long decodeNanos = System.nanoTime() - decodeStart;
        text.append(decoder.flush());
        return new GenerationResult(
                prompt,
                d.tokens(),
                text.toString(),
                d.reason(),
                prefillNanos,
                decodeNanos,
                d.forwardSteps());
    }

    /** Runs the prompt block by block; returns the last token's logits, or null if cancelled. */
    private float[] prefill(int[] prompt, KvCache cache, CancellationToken cancellation) {
        int block = LlamaModel.DEFAULT_BLOCK;
        for (int from = 0; ; from += block) {
            if (cancellation.isCancelled()) {
                return null;
            }
            int to = Math.min(prompt.length, from + block);
            int[] tokens = Arrays.copyOfRange(prompt, from, to);
            int[] positions = new int[tokens.length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = from + i;
            }
            if (to == prompt.length) {
                return model.forward(tokens, positions, cache, null);
            }
            model.prefill(tokens, positions, cache, null);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
