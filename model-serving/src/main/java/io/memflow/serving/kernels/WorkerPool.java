package io.memflow.serving.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads for data-parallel loops (the matmuls). The calling thread takes the
 * first share of the work, so {@code threads = 1} runs everything inline with no threads.
 *
 * <p>Why not an {@code ExecutorService}: decoding one token runs about 100 parallel loops of a few
 * hundred microseconds each, and waking a parked pool thread costs tens of microseconds on a VM.
 * Workers therefore spin briefly for the next loop before parking, and the caller spins for the
 * workers to finish. Idle workers park, so an idle pool costs no CPU.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work on the index range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** How long a worker spins for the next loop before parking. */
    private static final long SPIN_NANOS = 200_000;

    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final int threads;
    private final Thread[] workers; // (threads - 1); worker w runs part w + 1
    private final AtomicInteger pending = new AtomicInteger(); // parts not yet finished
    private volatile Job job = new Job(0, null, 0, 0); // the latest loop, read by the workers
    private volatile Throwable failure;
    private volatile boolean closed;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        int poolId = POOL_IDS.incrementAndGet();
        for (int w = 0; w < workers.length; w++) {
            int part = w + 1;
            workers[w] = new Thread(() -> workLoop(part), "serving-pool-" + poolId + "-" + part);
            workers[w].setDaemon(true);
            workers[w].start();
        }
    }

    /** One parallel loop; immutable so a worker sees its task, size and parts consistently. */
    private record Job(int generation, RangeTask task, int size, int parts) {}

    public int threads() {
        return threads;
    }

    /**
     * Splits [0, n) into at most {@link #threads()} contiguous ranges and runs them in parallel.
     */
    public synchronized void parallelFor(int n, RangeTask task) {
        int p = Math.min(threads, n);
        if (p <= 1) {
            task.run(0, n);
            return;
        }
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        this.failure = null;
        pending.set(p - 1);
        job = new Job(job.generation() + 1, task, n, p);
        for (int w = 0; w < p - 1; w++) {
            LockSupport.unpark(workers[w]);
        }
        task.run(0, n / p);
        while (pending.get() > 0) {
            Thread.onSpinWait();
        }
        Throwable f = failure;
        if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        }
        if (f instanceof Error) {
            throw (Error) f;
        }
    }

    private void workLoop(int part) {
        int seen = 0;
        while (!closed) {
            Job j = job;
            if (j.generation() == seen) {
                waitForWork(seen);
                continue;
            }
            seen = j.generation();
            if (part < j.parts()) {
                int start = (int) ((long) j.size() * part / j.parts());
                int end = (int) ((long) j.size() * (part + 1) / j.parts());
                try {
                    j.task().run(start, end);
                } catch (Throwable t) {
                    failure = t;
                }
                pending.decrementAndGet();
            }
        }
    }

    private void waitForWork(int seen) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (job.generation() == seen && !closed) {
            if (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this); // unparked by parallelFor or close
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
