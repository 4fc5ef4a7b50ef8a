package io.memflow.operators.longterm;

import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.operators.TestingEmbedder;
import io.memflow.operators.consolidate.ConsolidateFunction;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.internal.LongTermMeta;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LongTermMemoryTest {
    final LongTermMemory memory = new LongTermMemory(5000, 0.9, new Retriever());
    final ExtractiveConsolidator consolidator = new ExtractiveConsolidator();
    final MemoryTable table = new MemoryTable.InMemory();
    final LongTermMeta meta = LongTermMemory.emptyMeta();

    List<MemoryRecord> batch(io.memflow.schemas.internal.Observation... o) {
        Segment s =
                Segment.newBuilder()
                        .setSegmentId(TestData.KEY + "#" + o[0].getId())
                        .setObservations(List.of(o))
                        .build();
        return consolidator.consolidate(
                TestData.TENANT,
                TestData.USER,
                SegmentBatch.newBuilder()
                        .setBatchId(s.getSegmentId())
                        .setSegments(List.of(s))
                        .setFlushTime(o[o.length - 1].getEventTime())
                        .setTrigger("tokens")
                        .build());
    }

    MemoryAnswer ask(String text, String time) throws Exception {
        MemoryQuery q =
                MemoryQuery.newBuilder()
                        .setQueryId("q")
                        .setTenantId(TestData.TENANT)
                        .setUserId(TestData.USER)
                        .setText(text)
                        .setQueryTime(Instant.parse(time))
                        .build();
        return memory.answer(table, q, List.of(), 10);
    }

    @Test
    void knowledgeUpdateSupersedesOlderFactAndKeepsIt() throws Exception {
        List<MemoryChange> changes = new ArrayList<>();
        changes.addAll(
                memory.insert(
                        table,
                        meta,
                        batch(
                                obs(
                                        "d1",
                                        "s1",
                                        "2024-03-04T10:00:00Z",
                                        "Ann",
                                        "I live in Boston near the river."),
                                obs(
                                        "d2",
                                        "s1",
                                        "2024-03-04T10:01:00Z",
                                        "Ann",
                                        "My dog is called Pepper."))));
        changes.addAll(
                memory.insert(
                        table,
                        meta,
                        batch(
                                obs(
                                        "d3",
                                        "s2",
                                        "2024-04-08T10:00:00Z",
                                        "Ann",
                                        "We just moved to Seattle last weekend!"))));
        changes.addAll(
                memory.sleep(table, meta, Instant.parse("2024-04-08T12:00:00Z").toEpochMilli()));

        assertThat(changes)
                .extracting(MemoryChange::getType)
                .containsExactly(
                        ChangeType.ADD, ChangeType.ADD, ChangeType.ADD, ChangeType.SUPERSEDE);
        MemoryRecord boston =
                table.get(ExtractiveConsolidator.memoryId(TestData.TENANT, TestData.USER, "d1"));
        assertThat(boston.getStatus()).isEqualTo(MemoryStatus.SUPERSEDED);
        assertThat(boston.getValidTo()).isEqualTo(Instant.parse("2024-04-08T10:00:00Z"));
        assertThat(boston.getVersion()).isEqualTo(2);

        MemoryAnswer a = ask("Where does Ann live?", "2024-04-09T10:00:00Z");
        assertThat(a.getMemories()).isNotEmpty();
        assertThat(a.getMemories().get(0).getSourceTurnIds()).containsExactly("d3");
        assertThat(a.getMemories().get(1).getSourceTurnIds()).containsExactly("d1");
        assertThat(a.getMemories().get(1).getStatus()).isEqualTo(MemoryStatus.SUPERSEDED);
    }

    @Test
    void repeatedStatementMergesAndForgetDeletesEverything() throws Exception {
        memory.insert(
                table,
                meta,
                batch(
                        obs(
                                "d1",
                                "s1",
                                "2024-03-04T10:00:00Z",
                                "Ann",
                                "I am allergic to peanuts and shellfish.")));
        memory.sleep(table, meta, Instant.parse("2024-03-04T12:00:00Z").toEpochMilli());
        memory.insert(
                table,
                meta,
                batch(
                        obs(
                                "d9",
                                "s2",
                                "2024-03-10T10:00:00Z",
                                "Ann",
                                "I am allergic to peanuts and shellfish!")));
        List<MemoryChange> sleep =
                memory.sleep(table, meta, Instant.parse("2024-03-10T12:00:00Z").toEpochMilli());
        assertThat(sleep)
                .extracting(MemoryChange::getType)
                .containsExactly(ChangeType.MERGE, ChangeType.MERGE);
        MemoryRecord survivor =
                table.get(ExtractiveConsolidator.memoryId(TestData.TENANT, TestData.USER, "d1"));
        assertThat(survivor.getSourceTurnIds()).containsExactly("d1", "d9");

        List<MemoryChange> forget =
                memory.forget(
                        table,
                        TestData.TENANT,
                        TestData.USER,
                        Instant.parse("2024-03-11T00:00:00Z").toEpochMilli());
        assertThat(forget).hasSize(4).allMatch(c -> c.getType() == ChangeType.DELETE);
        assertThat(forget).filteredOn(Tombstones::is).hasSize(2);
        assertThat(table.all()).isEmpty();
        assertThat(table.retired()).isEmpty();
    }

    @Test
    void deleteMemoryTakesWhatWasMergedIntoItAndLeavesTheRest() throws Exception {
        memory.insert(
                table,
                meta,
                batch(
                        obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "I am allergic to peanuts."),
                        obs(
                                "d2",
                                "s1",
                                "2024-03-04T10:01:00Z",
                                "Ann",
                                "My dog is called Pepper.")));
        memory.sleep(table, meta, Instant.parse("2024-03-05T00:00:00Z").toEpochMilli());
        memory.insert(
                table,
                meta,
                batch(obs("d9", "s2", "2024-03-10T10:00:00Z", "Ann", "I am allergic to peanuts!")));
        memory.sleep(table, meta, Instant.parse("2024-03-10T12:00:00Z").toEpochMilli());
        String peanuts = ExtractiveConsolidator.memoryId(TestData.TENANT, TestData.USER, "d1");
        String repeat = ExtractiveConsolidator.memoryId(TestData.TENANT, TestData.USER, "d9");
        String dog = ExtractiveConsolidator.memoryId(TestData.TENANT, TestData.USER, "d2");
        assertThat(table.get(repeat).getMergedInto()).isEqualTo(peanuts);
        int peanutsVersion = table.get(peanuts).getVersion();

        List<MemoryChange> deleted =
                memory.delete(
                        table,
                        TestData.TENANT,
                        TestData.USER,
                        peanuts,
                        Instant.parse("2024-03-12T00:00:00Z").toEpochMilli());

        assertThat(deleted)
                .extracting(MemoryChange::getMemoryId)
                .containsExactlyInAnyOrder(peanuts, peanuts, repeat, repeat);
        for (MemoryChange c : deleted) {
            MemoryRecord r = c.getRecord();
            assertThat(r.getText()).isEmpty();
            assertThat(r.getSpeaker()).isNull();
            assertThat(r.getSubject()).isNull();
            assertThat(r.getSourceTurnIds()).isEmpty();
            assertThat(r.getEmbedding()).isNull();
            assertThat(r.getStatus()).isEqualTo(MemoryStatus.DELETED);
        }
        assertThat(deleted.get(0).getVersion()).isEqualTo(peanutsVersion + 1);
        assertThat(table.all()).extracting(MemoryRecord::getMemoryId).containsExactly(dog);
        assertThat(
                        memory.delete(
                                table,
                                TestData.TENANT,
                                TestData.USER,
                                "no-such-memory",
                                Instant.parse("2024-03-12T00:00:00Z").toEpochMilli()))
                .isEmpty();
    }

    @Test
    void retiredRecordsLeaveHotStateButAreStillDeletedByForget() throws Exception {
        LongTermMemory small =
                new LongTermMemory(
                        1,
                        0.9,
                        new Retriever(),
                        new LongTermMemory.Bounds(100, 1L << 20, 5 * 86_400_000L));
        small.insert(
                table,
                meta,
                batch(obs("d1", "s1", "2024-01-01T10:00:00Z", "Ann", "I play chess on Sundays.")));
        small.insert(
                table,
                meta,
                batch(obs("d2", "s1", "2024-01-02T10:00:00Z", "Ann", "I collect stamps.")));
        small.sleep(table, meta, Instant.parse("2024-01-03T00:00:00Z").toEpochMilli());
        assertThat(table.all()).hasSize(2); // one archived, still inside the retention
        small.sleep(table, meta, Instant.parse("2024-01-10T00:00:00Z").toEpochMilli());
        assertThat(table.all()).hasSize(1);
        assertThat(table.retired()).hasSize(1);
        assertThat(meta.getHotEntries()).isEqualTo(1);
        assertThat(meta.getHotBytes()).isEqualTo(LongTermMemory.sizeOf(table.all().get(0)));

        List<MemoryChange> forget =
                small.forget(
                        table,
                        TestData.TENANT,
                        TestData.USER,
                        Instant.parse("2024-01-11T00:00:00Z").toEpochMilli());
        assertThat(forget).filteredOn(c -> !Tombstones.is(c)).hasSize(2);
        assertThat(forget).filteredOn(Tombstones::is).hasSize(2);
        assertThat(table.retired()).isEmpty();
    }

    @Test
    void retrievalReinforcesUsedMemories() throws Exception {
        memory.insert(
                table,
                meta,
                batch(obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", "My dog is called Pepper.")));
        ask("What is the name of the dog?", "2024-03-05T10:00:00Z");
        MemoryRecord r =
                table.get(ExtractiveConsolidator.memoryId(TestData.TENANT, TestData.USER, "d1"));
        assertThat(r.getUsageCount()).isEqualTo(1);
        assertThat(r.getStrength()).isEqualTo(2.0);
    }

    @Test
    void archivesLeastRetainedPastCapacity() throws Exception {
        LongTermMemory small = new LongTermMemory(1, 0.9, new Retriever());
        small.insert(
                table,
                meta,
                batch(obs("d1", "s1", "2024-01-01T10:00:00Z", "Ann", "I play chess on Sundays.")));
        small.insert(
                table,
                meta,
                batch(
                        obs(
                                "d2",
                                "s1",
                                "2024-03-01T10:00:00Z",
                                "Ann",
                                "My favourite colour is green.")));
        List<MemoryChange> c =
                small.sleep(table, meta, Instant.parse("2024-03-02T10:00:00Z").toEpochMilli());
        assertThat(c)
                .singleElement()
                .satisfies(
                        x -> {
                            assertThat(x.getType()).isEqualTo(ChangeType.ARCHIVE);
                            assertThat(x.getRecord().getSourceTurnIds()).containsExactly("d1");
                        });
    }

    @Test
    void mergeKeepsTheFullerWordingAndReembedsIt() throws Exception {
        TestingEmbedder embedder = new TestingEmbedder();
        LongTermMemory dense = new LongTermMemory(5000, 0.85, new Retriever(embedder));
        List<MemoryRecord> first =
                batch(
                        obs(
                                "d1",
                                "s1",
                                "2024-03-04T10:00:00Z",
                                "Ann",
                                "I am allergic to peanuts and shellfish."));
        ConsolidateFunction.embedAll(embedder, first);
        dense.insert(table, meta, first);
        dense.sleep(table, meta, Instant.parse("2024-03-04T12:00:00Z").toEpochMilli());
        ByteBuffer before = table.get(first.get(0).getMemoryId()).getEmbedding().duplicate();

        // same day, later session: the same statement with one more detail
        List<MemoryRecord> second =
                batch(
                        obs(
                                "d9",
                                "s2",
                                "2024-03-04T18:00:00Z",
                                "Ann",
                                "I am allergic to peanuts and shellfish, and kiwi too."));
        ConsolidateFunction.embedAll(embedder, second);
        dense.insert(table, meta, second);
        List<MemoryChange> sleep =
                dense.sleep(table, meta, Instant.parse("2024-03-04T20:00:00Z").toEpochMilli());

        assertThat(sleep)
                .extracting(MemoryChange::getType)
                .containsExactly(ChangeType.MERGE, ChangeType.MERGE);
        MemoryRecord survivor = table.get(first.get(0).getMemoryId());
        assertThat(survivor.getText()).contains("kiwi");
        assertThat(survivor.getSourceTurnIds()).containsExactly("d1", "d9");
        // the stored vector is the embedding of the new text, not the old one
        assertThat(survivor.getEmbedding()).isNotEqualTo(before);
        float[] expected = embedder.embed(MemoryText.embedded(survivor));
        assertThat(survivor.getEmbedding())
                .isEqualTo(Vectors.quantize(expected, Vectors.scale(expected)));
        // and the changelog carries it
        assertThat(sleep.get(0).getRecord().getEmbedding()).isEqualTo(survivor.getEmbedding());
        assertThat(table.get(second.get(0).getMemoryId()).getStatus())
                .isEqualTo(MemoryStatus.MERGED);
    }

    @Test
    void theSameWordsFromAnotherSpeakerDoNotMerge() throws Exception {
        TestingEmbedder embedder = new TestingEmbedder();
        LongTermMemory dense = new LongTermMemory(5000, 0.85, new Retriever(embedder));
        String said = "We love hiking in the Alps with our sister every summer near Zermatt.";
        List<MemoryRecord> ann = batch(obs("d1", "s1", "2024-03-04T10:00:00Z", "Ann", said));
        List<MemoryRecord> bob = batch(obs("d2", "s1", "2024-03-04T10:01:00Z", "Bob", said));
        ConsolidateFunction.embedAll(embedder, ann);
        ConsolidateFunction.embedAll(embedder, bob);
        // eight of nine terms shared: similar enough to merge, were it the same speaker
        assertThat(new UpdateQueues().similarity(ann.get(0), bob.get(0))).isGreaterThan(0.85);
        dense.insert(table, meta, ann);
        dense.insert(table, meta, bob);
        assertThat(dense.sleep(table, meta, Instant.parse("2024-03-04T12:00:00Z").toEpochMilli()))
                .isEmpty();
    }
}
