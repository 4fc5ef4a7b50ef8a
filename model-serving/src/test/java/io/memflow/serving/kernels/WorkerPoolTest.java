package io.memflow.serving.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int threads = 1; threads <= 3; threads++) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int round = 0; round < 2000; round++) {
                    int n = round % 7; // includes 0 and sizes below the thread count
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    pool.parallelFor(
                            n,
                            (start, end) -> {
                                for (int i = start; i < end; i++) {
                                    hits.incrementAndGet(i);
                                }
                            });
                    for (int i = 0; i < n; i++) {
                        assertThat(hits.get(i)).as("threads %d n %d i %d", 0, n, i).isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void workerFailuresReachTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(
                            () ->
                                    pool.parallelFor(
                                            10,
                                            (start, end) -> {
                                                if (start > 0) {
                                                    throw new IllegalStateException("boom");
                                                }
                                            }))
                    .hasMessage("boom");
            pool.parallelFor(4, (start, end) -> {}); // still usable
        }
    }
}
