package io.memflow.serving.bench;

import io.memflow.serving.kernels.Lanes;
import io.memflow.serving.kernels.WorkerPool;
import io.memflow.serving.kvcache.KvCache;
import io.memflow.serving.model.LlamaModel;
import io.memflow.serving.sampling.GreedySampler;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures prefill and decode speed of a model next to the machine's memory bandwidth, measured in
 * the same run with the same number of threads. Decoding one token reads every weight once, so
 * {@code bandwidth / weightBytesPerToken} bounds decode speed; the ratio achieved/bound is the
 * figure of merit.
 */
public final class DecodeBench {

    /** One benchmark run's numbers. */
    public record Result(
            int threads,
            int promptTokens,
            int decodeTokens,
            double prefillTokensPerSecond,
            double decodeTokensPerSecond,
            long weightBytesPerToken,
            double copyBytesPerSecond,
            double boundTokensPerSecond,
            double readBytesPerSecond) {
        /** Decode speed over the copy-bandwidth bound: the figure of merit. */
        public double ratio() {
            return decodeTokensPerSecond / boundTokensPerSecond;
        }

        /** The tighter bound from read-only bandwidth (decode only reads weights). */
        public double readBoundTokensPerSecond() {
            return readBytesPerSecond / weightBytesPerToken;
        }

        /** Decode speed over the read-bandwidth bound: issue 15's figure of merit. */
        public double decodeOverReadBound() {
            return decodeTokensPerSecond / readBoundTokensPerSecond();
        }

        /**
         * The fields of {@code bench --json}, in a fixed order; names are the public contract
         * (issue 15): scripts compare runs by them.
         */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("threads", threads);
            m.put("promptTokens", promptTokens);
            m.put("decodeTokens", decodeTokens);
            m.put("prefillTokensPerSecond", prefillTokensPerSecond);
            m.put("decodeTokensPerSecond", decodeTokensPerSecond);
            m.put("weightBytesPerToken", weightBytesPerToken);
            m.put("readBandwidthBytesPerSecond", readBytesPerSecond);
            m.put("readBoundTokensPerSecond", readBoundTokensPerSecond());
            m.put("decodeOverReadBound", decodeOverReadBound());
            m.put("copyBandwidthBytesPerSecond", copyBytesPerSecond);
            m.put("copyBoundTokensPerSecond", boundTokensPerSecond);
            m.put("decodeOverCopyBound", ratio());
            return m;
        }
    }

    private DecodeBench() {}

    /** Bandwidth buffers large enough that no cache holds them. */
    public static final int DEFAULT_BANDWIDTH_MIB = 256;

    /** Runs prefill of {@code promptTokens} random tokens, then {@code decodeTokens} steps. */
    public static Result run(LlamaModel model, int promptTokens, int decodeTokens, int repeats) {
        return run(model, promptTokens, decodeTokens, repeats, DEFAULT_BANDWIDTH_MIB);
    }

    /**
     * Like {@link #run(LlamaModel, int, int, int)} with bandwidth buffers of {@code bandwidthMib}
     * MiB (tests use small ones; a buffer that fits in cache overstates the bound).
     */
    public static Result run(
            LlamaModel model, int promptTokens, int decodeTokens, int repeats, int bandwidthMib) {
        int vocab = model.config().vocabSize();
        SplittableRandom r = new SplittableRandom(7);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = 3 + r.nextInt(vocab - 6); // skip the special ids at both ends
        }
        // one cache for every run, sized for prompt + decode and cleared before each: the runs
        // time the forward pass, not the allocation of fresh KV arrays (a server keeps its caches)
        KvCache cache = model.newCache(promptTokens + decodeTokens);
        // warm-up: two full runs, so C2 has compiled the kernels and the mapped weights are paged
        // in
        timeRun(model, cache, prompt, decodeTokens);
        timeRun(model, cache, prompt, decodeTokens);
        // bandwidth before and after the timed runs, the best kept: on a shared machine a
        // neighbour's burst during one measurement would otherwise lower the bound and flatter
        // the ratio
        double readBefore = readBandwidth(model.threads(), bandwidthMib);
        double bestPrefill = 0;
        double bestDecode = 0;
        for (int i = 0; i < repeats; i++) {
            double[] t = timeRun(model, cache, prompt, decodeTokens);
            bestPrefill = Math.max(bestPrefill, t[0]);
            bestDecode = Math.max(bestDecode, t[1]);
        }
        double bandwidth = copyBandwidth(model.threads(), bandwidthMib);
        double read = Math.max(readBefore, readBandwidth(model.threads(), bandwidthMib));
        long bytes = model.weightBytesPerToken();
        return new Result(
                model.threads(),
                promptTokens,
                decodeTokens,
                bestPrefill,
                bestDecode,
                bytes,
                bandwidth,
                bandwidth / bytes,
                read);
    }

    /** {prefill tok/s, decode tok/s} of one run. */
    private static double[] timeRun(
            LlamaModel model, KvCache cache, int[] prompt, int decodeTokens) {
        cache.clear();
        GreedySampler sampler = new GreedySampler();
        long t0 = System.nanoTime();
        float[] logits = null;
        for (int from = 0; from < prompt.length; from += LlamaModel.DEFAULT_BLOCK) {
            int to = Math.min(prompt.length, from + LlamaModel.DEFAULT_BLOCK);
            int[] positions = new int[to - from];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = from + i;
            }
            logits = model.forward(Arrays.copyOfRange(prompt, from, to), positions, cache, null);
        }
        long t1 = System.nanoTime();
        int[] token = new int[1]; // reused, as the engine's decode loop does
        int[] position = {prompt.length};
        float[] stepLogits = new float[logits.length];
        for (int i = 0; i < decodeTokens; i++) {
            token[0] = sampler.sample(logits);
            logits = model.forward(token, position, cache, null, stepLogits);
            position[0]++;
        }
        long t2 = System.nanoTime();
        return new double[] {prompt.length * 1e9 / (t1 - t0), decodeTokens * 1e9 / (t2 - t1)};
    }

    /**
     * Bytes copied per second by {@code threads} threads, each copying its share of a {@code mib}
     * MiB buffer (256 is far larger than any cache). Each byte copied is read once and written
     * once; the best of several rounds is kept.
     */
    public static double copyBandwidth(int threads, int mib) {
        int n = mib << 18; // floats
        float[] src = new float[n];
        float[] dst = new float[n];
        Arrays.fill(src, 1f);
        double best = 0;
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int round = 0; round < 8; round++) {
                long t0 = System.nanoTime();
                pool.parallelFor(
                        threads,
                        (start, end) -> {
                            for (int p = start; p < end; p++) {
                                int from = (int) ((long) n * p / threads);
                                int to = (int) ((long) n * (p + 1) / threads);
                                System.arraycopy(src, from, dst, from, to - from);
                            }
                        });
                long t1 = System.nanoTime();
                best = Math.max(best, (double) n * Float.BYTES * 1e9 / (t1 - t0));
            }
        }
        return best;
    }

    /**
     * Sum of src[from .. to), each element loaded once, four vector accumulators: the read probe's
     * loop, separate from the model's kernels so that its compilation does not depend on theirs.
     */
    static float sum(float[] src, int from, int to) {
        VectorSpecies<Float> f = Lanes.F;
        int l = f.length();
        FloatVector a0 = FloatVector.zero(f);
        FloatVector a1 = FloatVector.zero(f);
        FloatVector a2 = FloatVector.zero(f);
        FloatVector a3 = FloatVector.zero(f);
        int i = from;
        for (; i + 4 * l <= to; i += 4 * l) {
            a0 = FloatVector.fromArray(f, src, i).lanewise(VectorOperators.ADD, a0);
            a1 = FloatVector.fromArray(f, src, i + l).lanewise(VectorOperators.ADD, a1);
            a2 = FloatVector.fromArray(f, src, i + 2 * l).lanewise(VectorOperators.ADD, a2);
            a3 = FloatVector.fromArray(f, src, i + 3 * l).lanewise(VectorOperators.ADD, a3);
        }
        float s =
                a0.lanewise(VectorOperators.ADD, a1)
                        .lanewise(VectorOperators.ADD, a2.lanewise(VectorOperators.ADD, a3))
                        .reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            s += src[i];
        }
        return s;
    }

    /** Bytes read per second by {@code threads} threads summing their share of {@code mib} MiB. */
    public static double readBandwidth(int threads, int mib) {
        int n = mib << 18; // floats
        float[] src = new float[n];
        Arrays.fill(src, 1f);
        double best = 0;
        float[] sink = new float[threads];
        // compile the loop before timing it: interpreted or C1 code runs the Vector API as its
        // Java fallback, and a probe whose eight rounds all ran before C2 finished under-measured
        // the bandwidth by half (issue 15 third pass: 21 % of a bench JVM's samples in the
        // fallback)
        float[] warm = new float[4096];
        for (int k = 0; k < 3000; k++) {
            sink[0] += sum(warm, 0, warm.length);
        }
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int round = 0; round < 8; round++) {
                long t0 = System.nanoTime();
                pool.parallelFor(
                        threads,
                        (start, end) -> {
                            for (int p = start; p < end; p++) {
                                int from = (int) ((long) n * p / threads);
                                int to = (int) ((long) n * (p + 1) / threads);
                                sink[p] += sum(src, from, to);
                            }
                        });
                long t1 = System.nanoTime();
                best = Math.max(best, (double) n * Float.BYTES * 1e9 / (t1 - t0));
            }
        }
        if (sink[0] < 0) { // never true; keeps the loads from being optimized away
            throw new AssertionError();
        }
        return best;
    }
}
