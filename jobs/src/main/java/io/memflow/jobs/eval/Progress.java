package io.memflow.jobs.eval;

import java.io.PrintStream;

/**
 * A one-line text progress bar ("ingest [#####.....] 420/928 12s"), redrawn with a carriage return
 * at most ten times a second; a finished bar ends its line.
 */
final class Progress {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private String label = "";
    private long total;
    private long done;
    private long startNanos;
    private long lastDraw;

    Progress(PrintStream out) {
        this.out = out;
    }

    synchronized void start(String label, long total) {
        this.label = label;
        this.total = Math.max(total, 1);
        this.done = 0;
        this.startNanos = System.nanoTime();
        this.lastDraw = 0;
        draw(true);
    }

    synchronized void step() {
        set(done + 1);
    }

    synchronized void set(long value) {
        done = Math.min(value, total);
        draw(false);
    }

    synchronized void done() {
        done = total;
        draw(true);
        out.println();
    }

    private void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 100_000_000L && done < total) {
            return;
        }
        lastDraw = now;
        int filled = (int) (WIDTH * done / total);
        out.printf(
                "\r%-24s [%s%s] %d/%d %ds",
                label,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                done,
                total,
                (now - startNanos) / 1_000_000_000L);
        out.flush();
    }
}
