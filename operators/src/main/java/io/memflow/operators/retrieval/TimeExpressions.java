package io.memflow.operators.retrieval;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the time range a question names and resolves it against the query time (UTC days):
 *
 * <ul>
 *   <li>absolute: "on 8 May 2023", "May 8, 2023", "in May 2023", "in 2023", "in May" (the latest
 *       May not after the query time);
 *   <li>relative: "today", "yesterday", "last/this week|month|year", "N days|weeks|months|years
 *       ago" (N in digits or words, "a" = 1), "the day before yesterday";
 *   <li>offset from a date: "two days before 8 May 2023", "a week after May 2023".
 * </ul>
 *
 * Weeks start on Monday. The range is half-open {@code [from, to)} in epoch millis. A phrase that
 * names an event rather than a date ("two days before the trip") cannot be resolved from the text
 * alone and yields nothing, so retrieval is not narrowed by a guess.
 */
public final class TimeExpressions {
    private TimeExpressions() {}

    /** A half-open event-time range in epoch millis. */
    public record Range(long from, long to) {
        public boolean contains(long t) {
            return t >= from && t < to;
        }
    }

    private static final Map<String, Integer> NUMBERS =
            Map.ofEntries(
                    Map.entry("a", 1),
                    Map.entry("an", 1),
                    Map.entry("one", 1),
                    Map.entry("two", 2),
                    Map.entry("three", 3),
                    Map.entry("four", 4),
                    Map.entry("five", 5),
                    Map.entry("six", 6),
                    Map.entry("seven", 7),
                    Map.entry("eight", 8),
                    Map.entry("nine", 9),
                    Map.entry("ten", 10),
                    Map.entry("eleven", 11),
                    Map.entry("twelve", 12),
                    Map.entry("couple of", 2),
                    Map.entry("few", 3));

    private static final String MONTH =
            "(january|february|march|april|may|june|july|august|september|october|november|december"
                    + "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)";
    private static final String NUM =
            "(\\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten"
                    + "|eleven|twelve|couple of|few)";
    private static final String UNIT = "(day|week|month|year)s?";

    private static final Pattern DAY_MONTH_YEAR =
            Pattern.compile(
                    "\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?" + MONTH + ",?\\s+(\\d{4})\\b");
    private static final Pattern MONTH_DAY_YEAR =
            Pattern.compile("\\b" + MONTH + "\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b");
    private static final Pattern MONTH_YEAR =
            Pattern.compile("\\b" + MONTH + ",?\\s+(?:of\\s+)?(\\d{4})\\b");
    private static final Pattern YEAR = Pattern.compile("\\b((?:19|20)\\d{2})\\b");
    private static final Pattern IN_MONTH =
            Pattern.compile("\\b(?:in|during|since)\\s+" + MONTH + "\\b");
    private static final Pattern AGO = Pattern.compile("\\b" + NUM + "\\s+" + UNIT + "\\s+ago\\b");
    private static final Pattern LAST =
            Pattern.compile("\\b(last|past|previous|this)\\s+(day|week|month|year|weekend)\\b");
    private static final Pattern OFFSET =
            Pattern.compile("\\b" + NUM + "\\s+" + UNIT + "\\s+(before|after)\\s+");

    /** The range named by {@code question}, resolved against {@code queryTime}, if any. */
    public static Optional<Range> resolve(String question, long queryTime) {
        if (question == null) {
            return Optional.empty();
        }
        String q = question.toLowerCase(Locale.ROOT);
        LocalDate today = LocalDate.ofInstant(Instant.ofEpochMilli(queryTime), ZoneOffset.UTC);

        Matcher off = OFFSET.matcher(q);
        if (off.find()) {
            // "N units before/after <date>": only a date we can parse anchors it
            Optional<Range> anchor = absolute(q.substring(off.end()), today);
            if (anchor.isEmpty()) {
                return Optional.empty();
            }
            long n = number(off.group(1));
            ChronoUnit unit = unit(off.group(2));
            LocalDate base = day(anchor.get().from());
            LocalDate d = off.group(3).equals("before") ? base.minus(n, unit) : base.plus(n, unit);
            return Optional.of(span(d, unit));
        }
        if (q.contains("day before yesterday")) {
            return Optional.of(days(today.minusDays(2), 1));
        }
        if (q.matches("(?s).*\\byesterday\\b.*")) {
            return Optional.of(days(today.minusDays(1), 1));
        }
        if (q.matches("(?s).*\\btoday\\b.*")) {
            return Optional.of(days(today, 1));
        }
        Matcher ago = AGO.matcher(q);
        if (ago.find()) {
            ChronoUnit unit = unit(ago.group(2));
            return Optional.of(span(today.minus(number(ago.group(1)), unit), unit));
        }
        Matcher last = LAST.matcher(q);
        if (last.find()) {
            boolean current = last.group(1).equals("this");
            switch (last.group(2)) {
                case "day":
                    return Optional.of(days(today.minusDays(current ? 0 : 1), 1));
                case "weekend":
                    LocalDate sat =
                            today.with(TemporalAdjusters.previousOrSame(DayOfWeek.SATURDAY));
                    return Optional.of(days(current ? sat : sat.minusWeeks(1), 2));
                case "week":
                    return Optional.of(
                            span(current ? today : today.minusWeeks(1), ChronoUnit.WEEKS));
                case "month":
                    return Optional.of(
                            span(current ? today : today.minusMonths(1), ChronoUnit.MONTHS));
                default:
                    return Optional.of(
                            span(current ? today : today.minusYears(1), ChronoUnit.YEARS));
            }
        }
        return absolute(q, today);
    }

    private static Optional<Range> absolute(String q, LocalDate today) {
        Matcher m = DAY_MONTH_YEAR.matcher(q);
        if (m.find()) {
            return date(
                    Integer.parseInt(m.group(3)), month(m.group(2)), Integer.parseInt(m.group(1)));
        }
        m = MONTH_DAY_YEAR.matcher(q);
        if (m.find()) {
            return date(
                    Integer.parseInt(m.group(3)), month(m.group(1)), Integer.parseInt(m.group(2)));
        }
        m = MONTH_YEAR.matcher(q);
        if (m.find()) {
            LocalDate first = LocalDate.of(Integer.parseInt(m.group(2)), month(m.group(1)), 1);
            return Optional.of(span(first, ChronoUnit.MONTHS));
        }
        m = YEAR.matcher(q);
        if (m.find()) {
            return Optional.of(
                    span(LocalDate.of(Integer.parseInt(m.group(1)), 1, 1), ChronoUnit.YEARS));
        }
        m = IN_MONTH.matcher(q);
        if (m.find()) {
            Month month = month(m.group(1));
            LocalDate first = today.withDayOfMonth(1).withMonth(month.getValue());
            if (first.isAfter(today)) {
                first = first.minusYears(1);
            }
            return Optional.of(span(first, ChronoUnit.MONTHS));
        }
        return Optional.empty();
    }

    private static Optional<Range> date(int year, Month month, int day) {
        if (day < 1 || day > month.length(year % 4 == 0)) {
            return Optional.empty();
        }
        return Optional.of(days(LocalDate.of(year, month, day), 1));
    }

    /** The calendar day, week (Monday first), month or year that contains {@code d}. */
    private static Range span(LocalDate d, ChronoUnit unit) {
        switch (unit) {
            case DAYS:
                return days(d, 1);
            case WEEKS:
                return days(d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)), 7);
            case MONTHS:
                LocalDate m = d.withDayOfMonth(1);
                return range(m, m.plusMonths(1));
            default:
                LocalDate y = d.withDayOfYear(1);
                return range(y, y.plusYears(1));
        }
    }

    private static Range days(LocalDate from, int n) {
        return range(from, from.plusDays(n));
    }

    private static Range range(LocalDate from, LocalDate to) {
        return new Range(millis(from), millis(to));
    }

    private static long millis(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static LocalDate day(long millis) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }

    private static long number(String s) {
        Integer n = NUMBERS.get(s);
        return n != null ? n : Long.parseLong(s);
    }

    private static ChronoUnit unit(String s) {
        switch (s) {
            case "day":
                return ChronoUnit.DAYS;
            case "week":
                return ChronoUnit.WEEKS;
            case "month":
                return ChronoUnit.MONTHS;
            default:
                return ChronoUnit.YEARS;
        }
    }

    private static Month month(String s) {
        for (Month m : Month.values()) {
            if (m.name().toLowerCase(Locale.ROOT).startsWith(s.substring(0, 3))) {
                return m;
            }
        }
        throw new IllegalArgumentException("not a month: " + s);
    }
}
