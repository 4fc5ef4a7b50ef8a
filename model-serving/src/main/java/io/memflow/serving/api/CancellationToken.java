package io.memflow.serving.api;

/** Cooperative cancellation: another thread calls {@link #cancel}, the generation loop checks. */
public final class CancellationToken {
    private volatile boolean cancelled;

    public static CancellationToken none() {
        return new CancellationToken();
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
