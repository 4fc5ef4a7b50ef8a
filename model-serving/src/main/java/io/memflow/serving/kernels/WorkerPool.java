package io.memflow.serving.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of threads for data-parallel loops (the matmuls). The calling thread takes the first
 * share of the work, so {@code threads = 1} runs everything inline with no pool at all.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work on the index range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final int threads;
    private final ExecutorService executor;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        int poolId = POOL_IDS.incrementAndGet();
        AtomicInteger ids = new AtomicInteger();
        this.executor =
                threads == 1
                        ? null
                        : Executors.newFixedThreadPool(
                                threads - 1,
                                r -> {
                                    Thread t =
                                            new Thread(
                                                    r,
                                                    "serving-pool-"
                                                            + poolId
                                                            + "-"
                                                            + ids.incrementAndGet());
                                    t.setDaemon(true);
                                    return t;
                                });
    }

    public int threads() {
        return threads;
    }

    /**
     * Splits [0, n) into at most {@link #threads()} contiguous ranges and runs them in parallel.
     */
    public void parallelFor(int n, RangeTask task) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            task.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int start = (int) ((long) n * p / parts);
            int end = (int) ((long) n * (p + 1) / parts);
            futures.add(executor.submit(() -> task.run(start, end)));
        }
        task.run(0, n / parts);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for workers", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException) {
                    throw (RuntimeException) cause;
                }
                throw new IllegalStateException(cause);
            }
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
