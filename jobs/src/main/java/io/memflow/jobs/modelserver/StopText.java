package io.memflow.jobs.modelserver;

import java.util.List;

/**
 * Generated text watched for the request's stop sequences. Text is released only when no stop
 * sequence can still begin inside it, so a stream never sends the start of a stop sequence that the
 * final answer leaves out.
 */
final class StopText {
    private final List<String> stops;
    private final int holdBack;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private int stopAt = -1;

    StopText(List<String> stops) {
        this.stops = stops;
        int longest = 0;
        for (String s : stops) {
            longest = Math.max(longest, s.length());
        }
        this.holdBack = Math.max(0, longest - 1);
    }

    /** Adds a piece; returns true when a stop sequence has now appeared. */
    boolean append(String piece) {
        if (stopAt >= 0) {
            return true;
        }
        int from = Math.max(0, text.length() - holdBack);
        text.append(piece);
        for (String s : stops) {
            int i = text.indexOf(s, from);
            if (i >= 0 && (stopAt < 0 || i < stopAt)) {
                stopAt = i;
            }
        }
        return stopAt >= 0;
    }

    boolean stopped() {
        return stopAt >= 0;
    }

    /** Text that can be sent now (and was not sent before). */
    String release() {
        int end = stopAt >= 0 ? stopAt : Math.max(released, text.length() - holdBack);
        String out = text.substring(released, end);
        released = end;
        return out;
    }

    /** Whatever is left at the end of the generation. */
    String releaseRest() {
        int end = stopAt >= 0 ? stopAt : text.length();
        String out = text.substring(released, end);
        released = end;
        return out;
    }

    /** The whole answer, cut before the first stop sequence. */
    String full() {
        return stopAt >= 0 ? text.substring(0, stopAt) : text.toString();
    }
}
