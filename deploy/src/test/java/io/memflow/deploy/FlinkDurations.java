package io.memflow.deploy;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Flink's duration syntax ("30 s", "5 min", "6 h", "500 ms", a bare number = ms). */
final class FlinkDurations {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([a-z]*)");
    private static final Map<String, Duration> UNITS =
            Map.ofEntries(
                    Map.entry("", Duration.ofMillis(1)),
                    Map.entry("ms", Duration.ofMillis(1)),
                    Map.entry("s", Duration.ofSeconds(1)),
                    Map.entry("sec", Duration.ofSeconds(1)),
                    Map.entry("min", Duration.ofMinutes(1)),
                    Map.entry("m", Duration.ofMinutes(1)),
                    Map.entry("h", Duration.ofHours(1)),
                    Map.entry("d", Duration.ofDays(1)));

    private FlinkDurations() {}

    static Duration parse(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase());
        if (!m.matches() || !UNITS.containsKey(m.group(2))) {
            throw new IllegalArgumentException("not a Flink duration: " + text);
        }
        return UNITS.get(m.group(2)).multipliedBy(Long.parseLong(m.group(1)));
    }
}
