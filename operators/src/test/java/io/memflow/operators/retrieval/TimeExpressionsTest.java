package io.memflow.operators.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimeExpressionsTest {
    /** Wednesday 14 June 2023, 10:00 UTC. */
    static final long NOW = Instant.parse("2023-06-14T10:00:00Z").toEpochMilli();

    private static void range(String q, String from, String to) {
        Optional<TimeExpressions.Range> r = TimeExpressions.resolve(q, NOW);
        assertThat(r).as(q).isPresent();
        assertThat(Instant.ofEpochMilli(r.get().from())).as(q).isEqualTo(Instant.parse(from));
        assertThat(Instant.ofEpochMilli(r.get().to())).as(q).isEqualTo(Instant.parse(to));
    }

    @Test
    void absoluteDates() {
        range("What did Ann do on 8 May 2023?", "2023-05-08T00:00:00Z", "2023-05-09T00:00:00Z");
        range("What happened on May 8th, 2023?", "2023-05-08T00:00:00Z", "2023-05-09T00:00:00Z");
        range("Where did she go in May 2023?", "2023-05-01T00:00:00Z", "2023-06-01T00:00:00Z");
        range("What did he buy in 2022?", "2022-01-01T00:00:00Z", "2023-01-01T00:00:00Z");
        // a month without a year: the latest one not after the query
        range("What did she paint in July?", "2022-07-01T00:00:00Z", "2022-08-01T00:00:00Z");
        range("What did she paint in June?", "2023-06-01T00:00:00Z", "2023-07-01T00:00:00Z");
    }

    @Test
    void relativeExpressionsResolveAgainstTheQueryTime() {
        range("What did I eat yesterday?", "2023-06-13T00:00:00Z", "2023-06-14T00:00:00Z");
        range("And today?", "2023-06-14T00:00:00Z", "2023-06-15T00:00:00Z");
        // weeks start on Monday: last week is Mon 5 to Mon 12 June
        range("Who did I meet last week?", "2023-06-05T00:00:00Z", "2023-06-12T00:00:00Z");
        range("What happened last month?", "2023-05-01T00:00:00Z", "2023-06-01T00:00:00Z");
        range("Where was I last year?", "2022-01-01T00:00:00Z", "2023-01-01T00:00:00Z");
        range("What did we do three days ago?", "2023-06-11T00:00:00Z", "2023-06-12T00:00:00Z");
        range("What did we do 2 weeks ago?", "2023-05-29T00:00:00Z", "2023-06-05T00:00:00Z");
    }

    @Test
    void offsetsFromADate() {
        range(
                "What did she do two days before 8 May 2023?",
                "2023-05-06T00:00:00Z",
                "2023-05-07T00:00:00Z");
    }

    @Test
    void eventAnchorsAndPlainQuestionsNameNoRange() {
        assertThat(TimeExpressions.resolve("What did she do two days before the trip?", NOW))
                .isEmpty();
        assertThat(TimeExpressions.resolve("Where does Ann live?", NOW)).isEmpty();
        assertThat(TimeExpressions.resolve("May I ask what she likes?", NOW)).isEmpty();
    }
}
