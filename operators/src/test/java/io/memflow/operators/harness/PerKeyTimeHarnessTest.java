package io.memflow.operators.harness;

import static io.memflow.operators.TestData.input;
import static io.memflow.operators.TestData.obs;
import static io.memflow.operators.harness.TierHarnessTest.candidates;
import static io.memflow.operators.harness.TierHarnessTest.harness;
import static io.memflow.operators.harness.TierHarnessTest.query;
import static io.memflow.operators.harness.TierHarnessTest.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.longterm.LongTermFunction;
import io.memflow.operators.longterm.LongTermMemory;
import io.memflow.operators.ordering.EventOrderFunction;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.shortterm.ShortTermBuffer;
import io.memflow.operators.shortterm.ShortTermFunction;
import io.memflow.operators.shortterm.TopicBoundary;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tenants don't share a clock: one key's backlog, lag or future-dated input never delays or fires
 * another key's work. Each case feeds the operator the watermark the source used to produce (the
 * minimum over partitions, or a jump to a future-dated event), so it shows that the tiers no longer
 * follow it, and the key's own inputs plus the wall clock decide instead.
 */
class PerKeyTimeHarnessTest {
    static final long HOUR = Duration.ofHours(1).toMillis();
    static final long OUT_OF_ORDERNESS = 5_000;
    static final long QUIET = 1_000;

    static EventOrderFunction order() {
        return new EventOrderFunction(OUT_OF_ORDERNESS, QUIET);
    }

    /** {@code in} as an input of another tenant's user. */
    static MemoryInput as(String tenant, String user, MemoryInput in) {
        MemoryInput.Builder b =
                MemoryInput.newBuilder(in)
                        .setKey(tenant + "|" + user)
                        .setTenantId(tenant)
                        .setUserId(user);
        if (in.getObservation() != null) {
            b.setObservation(
                    Observation.newBuilder(in.getObservation())
                            .setTenantId(tenant)
                            .setUserId(user)
                            .build());
        }
        if (in.getQuery() != null) {
            b.getQueryBuilder().setTenantId(tenant).setUserId(user);
        }
        List<MemoryRecord> cands = new ArrayList<>();
        for (MemoryRecord r : in.getCandidates()) {
            cands.add(MemoryRecord.newBuilder(r).setTenantId(tenant).setUserId(user).build());
        }
        return b.setCandidates(cands).build();
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    @Test
    void aBackloggedTenantDoesNotHoldBackAnotherTenantsLiveQuery() throws Exception {
        long now = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();
        long backfill = Instant.parse("2024-03-04T10:00:00Z").toEpochMilli();
        try (var h = harness(order())) {
            h.open();
            h.setProcessingTime(now);
            // tenant B: a turn a minute ago and a live question
            MemoryInput bTurn =
                    as("b", "bea", input(obs("b1", "s1", iso(now - 60_000), "Bea", "I am Bea.")));
            MemoryInput bQuery = as("b", "bea", query(iso(now), "who am I?"));
            h.processElement(bTurn, bTurn.getEventTime());
            h.processElement(bQuery, bQuery.getEventTime());
            // tenant A backfills 2024 while B waits; the source's watermark (the minimum over
            // partitions) is held back by A's partition
            for (int i = 0; i < 500; i++) {
                long t = backfill + i * 60_000L;
                MemoryInput a =
                        as("a", "ann", input(obs("a" + i, "s1", iso(t), "Ann", "turn " + i)));
                h.processElement(a, t);
                h.processWatermark(t - OUT_OF_ORDERNESS - 1);
                h.setProcessingTime(now + i);
            }
            List<MemoryInput> bOut = new ArrayList<>();
            // one quiet period of B later, B's inputs leave, in B's own event-time order
            h.setProcessingTime(now + 500 + QUIET);
            for (MemoryInput m : values(h.getOutput(), MemoryInput.class)) {
                if (m.getTenantId().equals("b")) {
                    bOut.add(m);
                }
            }
            assertThat(bOut).containsExactly(bTurn, bQuery);
            // A's own backlog flowed as its own clock advanced, in order, not waiting for B
            List<String> aIds = new ArrayList<>();
            for (MemoryInput m : values(h.getOutput(), MemoryInput.class)) {
                if (m.getTenantId().equals("a")) {
                    aIds.add(m.getObservation().getId());
                }
            }
            assertThat(aIds).hasSize(500).startsWith("a0", "a1", "a2").endsWith("a498", "a499");
        }
    }

    @Test
    void inputsOfOneKeyLeaveInEventTimeOrderOnItsOwnClock() throws Exception {
        try (var h = harness(order())) {
            h.open();
            h.setProcessingTime(0);
            MemoryInput q = query("2024-03-04T10:05:00Z", "where?");
            MemoryInput early =
                    input(obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I live in Boston."));
            MemoryInput later =
                    input(obs("d2", "s1", "2024-03-04T10:05:03Z", "Ann", "Near the river."));
            h.processElement(q, 1);
            // five minutes behind the question, so behind the user's clock: passed on at once,
            // ahead of the question that is still held
            h.processElement(early, 2);
            assertThat(values(h.getOutput(), MemoryInput.class)).containsExactly(early);
            // the key's clock passes the question only when the key's own input is 5 s newer
            h.processElement(later, 3);
            assertThat(values(h.getOutput(), MemoryInput.class)).containsExactly(early);
            MemoryInput next =
                    input(obs("d3", "s1", "2024-03-04T10:05:06Z", "Ann", "It is quiet."));
            h.processElement(next, 4);
            assertThat(values(h.getOutput(), MemoryInput.class)).containsExactly(early, q);
            // an input behind the key's clock is late: passed on at once, never lost
            MemoryInput late =
                    input(obs("d0", "s1", "2024-03-04T09:00:00Z", "Ann", "Good morning."));
            h.processElement(late, 5);
            assertThat(values(h.getOutput(), MemoryInput.class)).containsExactly(early, q, late);
            // quiet for the release period: the tail leaves
            h.setProcessingTime(QUIET);
            assertThat(values(h.getOutput(), MemoryInput.class))
                    .containsExactly(early, q, late, later, next);
            assertThat(h.numProcessingTimeTimers()).isZero();
            // only the key's clock is left in state
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
        }
    }

    @Test
    void aFutureDatedTurnOfAnotherTenantLeavesShortTermMemoryAlone() throws Exception {
        ShortTermBuffer buffer = new ShortTermBuffer(512, HOUR / 2, TopicBoundary.sessionsOnly());
        long wall = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();
        try (var h = harness(new ShortTermFunction(buffer))) {
            h.open();
            h.setProcessingTime(wall);
            MemoryInput mine =
                    input(obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I live in Boston."));
            h.processElement(mine, mine.getEventTime());
            long future = wall + 20 * HOUR;
            MemoryInput theirs =
                    as("other", "x", input(obs("o1", "s9", iso(future), "Xi", "Hello there.")));
            h.processElement(theirs, future);
            // what the shared watermark did: jump to the future-dated event
            h.processWatermark(future - OUT_OF_ORDERNESS - 1);
            h.setProcessingTime(wall + 1_000);
            assertThat(values(h.getOutput(), MemoryInput.class))
                    .as("nothing is flushed for anyone")
                    .isEmpty();
            // the user's next turn still joins the same buffer: the query sees both
            MemoryInput next =
                    input(obs("d2", "s1", "2024-03-04T10:05:00Z", "Ann", "Near the river."));
            h.processElement(next, next.getEventTime());
            h.processElement(query("2024-03-04T10:06:00Z", "where?"), 3);
            assertThat(values(h.getOutput(), MemoryInput.class))
                    .singleElement()
                    .satisfies(
                            m ->
                                    assertThat(m.getPending())
                                            .extracting(Observation::getId)
                                            .containsExactly("d1", "d2"));
        }
    }

    @Test
    void aFutureDatedInputOfAnotherTenantDoesNotPutAUserToSleep() throws Exception {
        LongTermMemory memory = new LongTermMemory(5000, 0.9, new Retriever());
        ExtractiveConsolidator c = new ExtractiveConsolidator();
        long wall = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();
        try (var h = harness(new LongTermFunction(memory, 2 * HOUR, 10))) {
            h.open();
            h.setProcessingTime(wall);
            h.processElement(
                    candidates(
                            c, obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I live in Boston.")),
                    1);
            h.processElement(
                    candidates(
                            c,
                            obs(
                                    "d2",
                                    "s2",
                                    "2024-03-25T10:00:00Z",
                                    "Ann",
                                    "We just moved to Seattle!")),
                    2);
            long future = wall + 20 * HOUR;
            MemoryInput theirs =
                    as(
                            "other",
                            "x",
                            candidates(c, obs("o1", "s9", iso(future), "Xi", "I like tea.")));
            h.processElement(theirs, future);
            h.processWatermark(future - OUT_OF_ORDERNESS - 1);
            h.setProcessingTime(wall + 1_000);
            List<ChangeType> mine = new ArrayList<>();
            for (MemoryChange ch : values(h.getOutput(), MemoryChange.class)) {
                if (ch.getTenantId().equals(TestData.TENANT)) {
                    mine.add(ch.getType());
                }
            }
            assertThat(mine)
                    .as("inserts only, no sleep-time run")
                    .containsExactly(ChangeType.ADD, ChangeType.ADD);
            // the user's own silence, two hours of wall clock, is what puts them to sleep
            h.setProcessingTime(wall + 2 * HOUR);
            List<ChangeType> after = new ArrayList<>();
            for (MemoryChange ch : values(h.getOutput(), MemoryChange.class)) {
                if (ch.getTenantId().equals(TestData.TENANT)) {
                    after.add(ch.getType());
                }
            }
            assertThat(after).contains(ChangeType.SUPERSEDE);
        }
    }
}
