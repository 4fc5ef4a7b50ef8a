package io.memflow.operators.longterm;

import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestingEmbedder;
import io.memflow.operators.retrieval.MemoryIndex;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.retrieval.RetrieverTest;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.internal.Observation;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IndexCacheTest {
    static final Retriever RETRIEVER = new Retriever(new TestingEmbedder());
    static final long NOW = Instant.parse("2024-06-01T00:00:00Z").toEpochMilli();

    static MemoryRecord mem(String id, String text) {
        Instant t = Instant.parse("2024-05-01T10:00:00Z").plusSeconds(id.hashCode() & 0xffff);
        return RetrieverTest.mem(id, t.toString(), text);
    }

    static List<String> ranked(Retriever.Result r) {
        return r.memories().stream().map(m -> m.getMemoryId() + "@" + m.getScore()).toList();
    }

    @Test
    void aCachedIndexRanksLikeAFreshOneAsPendingTurnsComeAndGo() throws Exception {
        MemoryTable table = new MemoryTable.InMemory();
        table.put(mem("m1", "Ann: I adopted a beagle named Pepper"));
        table.put(mem("m2", "Ann: Pepper loves the park by the river"));
        table.put(mem("m3", "Ann: my sister lives in Chicago"));
        IndexCache cache = new IndexCache(1000);
        List<Observation> pending =
                List.of(obs("d9", "s9", "2024-05-30T10:00:00Z", "Ann", "Pepper chewed my shoes"));
        String q = "What did Pepper do?";

        MemoryIndex index = cache.forQuery("k", table, pending, RETRIEVER);
        assertThat(ranked(RETRIEVER.retrieve(q, NOW, index, 10)))
                .isEqualTo(ranked(RETRIEVER.retrieve(q, NOW, table.all(), pending, 10)));
        assertThat(index.size()).isEqualTo(4);

        // the short-term turn was consolidated: it leaves the pending list, the table changes
        assertThat(cache.forQuery("k", table, List.of(), RETRIEVER)).isSameAs(index);
        assertThat(index.size()).isEqualTo(3);
        table.put(mem("m4", "Ann: Pepper chewed my shoes"));
        cache.invalidate("k");
        MemoryIndex rebuilt = cache.forQuery("k", table, List.of(), RETRIEVER);
        assertThat(rebuilt).isNotSameAs(index);
        assertThat(RETRIEVER.retrieve(q, NOW, rebuilt, 1).memories())
                .extracting(RetrievedMemory::getMemoryId)
                .containsExactly("m4");
        assertThat(ranked(RETRIEVER.retrieve(q, NOW, rebuilt, 10)))
                .isEqualTo(ranked(RETRIEVER.retrieve(q, NOW, table.all(), List.of(), 10)));
    }

    @Test
    void theCacheHoldsAtMostItsBudgetOfMemoriesLeastRecentlyQueriedOut() throws Exception {
        MemoryTable small = new MemoryTable.InMemory();
        small.put(mem("a", "Ann: one"));
        small.put(mem("b", "Ann: two"));
        IndexCache cache = new IndexCache(4);
        cache.forQuery("u1", small, List.of(), RETRIEVER);
        cache.forQuery("u2", small, List.of(), RETRIEVER);
        cache.forQuery("u1", small, List.of(), RETRIEVER); // u1 is now the most recent
        assertThat(cache.users()).isEqualTo(2);
        MemoryIndex u1 = cache.forQuery("u1", small, List.of(), RETRIEVER);
        cache.forQuery("u3", small, List.of(), RETRIEVER); // 6 > 4: u2 goes
        assertThat(cache.users()).isEqualTo(2);
        assertThat(cache.forQuery("u1", small, List.of(), RETRIEVER)).isSameAs(u1);
        // a budget of 0 keeps nothing: every query builds its own
        IndexCache none = new IndexCache(0);
        assertThat(none.forQuery("u1", small, List.of(), RETRIEVER))
                .isNotSameAs(none.forQuery("u1", small, List.of(), RETRIEVER));
        assertThat(none.users()).isZero();
    }
}
