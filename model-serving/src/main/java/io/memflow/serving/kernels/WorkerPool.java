package io.memflow.serving.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads for data-parallel loops (the matmuls). The calling thread takes the
 * first share of the work, so {@code threads = 1} runs everything inline with no threads.
 *
 * <p>Why not an {@code ExecutorService}: decoding one token runs about 60 parallel loops of tens to
 * hundreds of microseconds each, and waking a parked thread is slow on a VM: on the 2-vCPU
 * benchmark host of docs/BENCHMARKS.md (issue 15) the hand-offs that had to wake a parked worker
 * took 0.1 ms to over 1 ms (987 of one bench run's 62,732), because the idle vCPU had halted.
 * Workers therefore wait for the next loop in three phases: spinning for {@link #SPIN_NANOS}, then
 * yielding their core (so that another runnable thread may have it, while this one stays awake)
 * until {@link #YIELD_NANOS}, and only then parking. A decode loop keeps them awake from token to
 * token; an idle pool costs no CPU after a few milliseconds.
 *
 * <p>Work is handed out in chunks claimed from a shared counter, not as one fixed range per thread:
 * on a shared machine a thread that loses its core for a moment no longer holds up the whole loop,
 * because the others take its remaining chunks. Which thread runs a chunk never changes the result:
 * every index is computed by the same code from the same inputs.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work on the index range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** How long a worker spins for the next loop before it starts yielding. */
    static final long SPIN_NANOS = 50_000;

    /**
     * How long a worker stays awake (spinning, then yielding) for the next loop before parking:
     * longer than any serial stretch between two loops of a decode step (sampling, norms, the
     * classifier's hand-back), so that decoding never pays for a wake-up.
     */
    static final long YIELD_NANOS = 5_000_000;

    /** Busy-wait iterations before the caller starts yielding its core while it waits. */
    private static final int YIELD_AFTER_SPINS = 10_000;

    /** Chunks per thread: enough to rebalance around a stalled thread, few enough to be cheap. */
    private static final int CHUNKS_PER_THREAD = 4;

    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final int threads;
    private final Thread[] workers; // (threads - 1); worker w runs part w + 1
    private volatile Job job = new Job(0, null, 0, 0, 1); // the latest loop, read by the workers
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

    /**
     * One parallel loop. The counters belong to the loop, so a worker that wakes up late and reads
     * an old job finds nothing left to claim in it.
     */
    private static final class Job {
        final int generation;
        final RangeTask task;
        final int size;
        final int parts; // threads taking part, the caller included
        final int chunk;
        final AtomicInteger next = new AtomicInteger(); // first index not yet claimed
        final AtomicInteger remaining; // indices not yet finished

        Job(int generation, RangeTask task, int size, int parts, int chunk) {
            this.generation = generation;
            this.task = task;
            this.size = size;
            this.parts = parts;
            this.chunk = chunk;
            this.remaining = new AtomicInteger(size);
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over [0, n) on up to {@link #threads()} threads (the caller included), in
     * contiguous chunks; returns when every index has run. A failure in any chunk is rethrown here
     * after all threads have stopped working on the loop.
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
        Job j = new Job(job.generation + 1, task, n, p, Math.max(1, n / (p * CHUNKS_PER_THREAD)));
        job = j;
        for (int w = 0; w < p - 1; w++) {
            LockSupport.unpark(workers[w]);
        }
        drain(j);
        for (int spins = 0; j.remaining.get() > 0; spins++) {
            // spin first (a chunk takes microseconds); then yield, so that on an oversubscribed
            // machine the thread we wait for, or the JIT compiler, can have this core
            if (spins < YIELD_AFTER_SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable f = failure;
        if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        }
        if (f instanceof Error) {
            throw (Error) f;
        }
    }

    /**
     * Claims and runs chunks of {@code j} until none are left; a failing chunk is recorded for the
     * caller and still counted as finished, so the caller never waits forever.
     */
    private void drain(Job j) {
        for (int start = j.next.getAndAdd(j.chunk);
                start < j.size;
                start = j.next.getAndAdd(j.chunk)) {
            int end = Math.min(j.size, start + j.chunk);
            try {
                j.task.run(start, end);
            } catch (Throwable t) {
                failure = t;
            } finally {
                j.remaining.addAndGet(start - end);
            }
        }
    }

    private void workLoop(int part) {
        int seen = 0;
        while (!closed) {
            Job j = job;
            if (j.generation == seen) {
                waitForWork(seen);
                continue;
            }
            seen = j.generation;
            if (part < j.parts) {
                drain(j);
            }
        }
    }

    private void waitForWork(int seen) {
        long start = System.nanoTime();
        while (job.generation == seen && !closed) {
            long waited = System.nanoTime() - start;
            if (waited < SPIN_NANOS) {
                Thread.onSpinWait();
            } else if (waited < YIELD_NANOS) {
                Thread.yield();
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
