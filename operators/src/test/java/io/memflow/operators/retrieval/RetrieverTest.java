package io.memflow.operators.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.serving.embedding.TextEmbedder;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

public class RetrieverTest {

    /** A fake embedder: one dimension per topic word, so "canine" is close to "dog". */
    static final class TopicEmbedder implements TextEmbedder {
        @Override
        public float[][] embed(List<String> texts) {
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i).toLowerCase(Locale.ROOT);
                float[] v = {
                    t.contains("dog") || t.contains("canine") || t.contains("pepper") ? 1 : 0,
                    t.contains("city") || t.contains("seattle") || t.contains("boston") ? 1 : 0,
                    0.1f
                };
                out[i] = io.memflow.operators.embedding.Vectors.normalize(v);
            }
            return out;
        }

        @Override
        public int dimension() {
            return 3;
        }

        @Override
        public String modelId() {
            return "topic-words-3";
        }
    }

    /** An active memory of user u (tenant t) stated at {@code time}; shared with other tests. */
    public static MemoryRecord mem(String id, String time, String text) {
        Instant t = Instant.parse(time);
        return MemoryRecord.newBuilder()
                .setMemoryId(id)
                .setTenantId("t")
                .setUserId("u")
                .setText(text)
                .setEventTime(t)
                .setValidFrom(t)
                .setLastAccessTime(t)
                .setSourceTurnIds(List.of(id))
                .setVersion(1)
                .setStatus(MemoryStatus.ACTIVE)
                .build();
    }

    final List<MemoryRecord> memories =
            List.of(
                    mem("a", "2023-05-08T10:00:00Z", "Ann: my dog Pepper loves the park"),
                    mem("b", "2023-06-10T10:00:00Z", "Ann: we moved to Seattle"),
                    mem("c", "2023-06-12T10:00:00Z", "Ann: Pepper chased a squirrel"));

    @Test
    void denseRankingFindsParaphrasesThatBm25Misses() {
        long now = Instant.parse("2023-06-14T10:00:00Z").toEpochMilli();
        List<RetrievedMemory> bm25 =
                new Retriever()
                        .retrieve("Tell me about the canine", now, memories, List.of(), 3)
                        .memories();
        assertThat(bm25).isEmpty();
        List<RetrievedMemory> hybrid =
                new Retriever(new TopicEmbedder())
                        .retrieve("Tell me about the canine", now, memories, List.of(), 2)
                        .memories();
        assertThat(hybrid)
                .extracting(RetrievedMemory::getMemoryId)
                .containsExactlyInAnyOrder("c", "a");
    }

    @Test
    void aNamedTimeRangeRanksItsMemoriesFirstAndIsReported() {
        long now = Instant.parse("2023-06-14T10:00:00Z").toEpochMilli();
        Retriever.Result r =
                new Retriever(new TopicEmbedder())
                        .retrieve("What did Pepper do in May 2023?", now, memories, List.of(), 3);
        assertThat(r.memories().get(0).getMemoryId()).isEqualTo("a");
        assertThat(r.from()).isEqualTo(Instant.parse("2023-05-01T00:00:00Z").toEpochMilli());
        assertThat(r.to()).isEqualTo(Instant.parse("2023-06-01T00:00:00Z").toEpochMilli());
        // an empty range falls back to everything
        Retriever.Result none =
                new Retriever(new TopicEmbedder())
                        .retrieve("What did Pepper do in 2019?", now, memories, List.of(), 3);
        assertThat(none.memories()).isNotEmpty();
    }

    @Test
    void rrfFusesRanksNotScores() {
        double[] fused =
                Retriever.fuse(
                        new double[] {5.0, 0.0, 1.0},
                        new double[] {0.1, 0.9, 0.5},
                        MemflowOptions.DENSE_WEIGHT.defaultValue());
        // doc 0: bm25 rank 1 + dense rank 3; doc 2: bm25 rank 2 + dense rank 2; doc 1: dense rank 1
        double w = MemflowOptions.DENSE_WEIGHT.defaultValue();
        assertThat(fused[0]).isEqualTo(1.0 / 61 + w / 63);
        assertThat(fused[2]).isEqualTo(1.0 / 62 + w / 62);
        assertThat(fused[1]).isEqualTo(w / 61);
    }

    static MemoryRecord said(String id, String session, String time, String speaker, String text) {
        return said(id, session, time, speaker, speaker + ": " + text, true);
    }

    /** A memory of {@code speaker} whose stored text is {@code text} as given. */
    static MemoryRecord said(
            String id, String session, String time, String speaker, String text, boolean asIs) {
        MemoryRecord r = mem(id, time, text);
        r.setSpeaker(speaker);
        r.setSessionId(session);
        return r;
    }

    static List<String> ids(Retriever r, String q, List<MemoryRecord> stored, int k) {
        long now = Instant.parse("2023-07-01T00:00:00Z").toEpochMilli();
        return r.retrieve(q, now, stored, List.of(), k).memories().stream()
                .map(RetrievedMemory::getMemoryId)
                .toList();
    }

    static Retriever only(Retriever.Vote... votes) {
        return new Retriever(null, List.of(votes));
    }

    @Test
    void theSpeakerANamedQuestionAsksAboutRanksAboveTheOther() {
        List<MemoryRecord> stored =
                List.of(
                        // stored without the "speaker: " prefix, as an extracted fact may be
                        said("b1", "s1", "2023-05-01T10:00:00Z", "Bob", "concert was loud", true),
                        said(
                                "a1",
                                "s1",
                                "2023-05-01T10:01:00Z",
                                "Ann",
                                "the concert was great but far too long for us",
                                true),
                        said("b2", "s1", "2023-05-01T10:02:00Z", "Bob", "we left early", true));
        Retriever.Vote bm25 = new Retriever.Vote(Signal.BM25, 1.0);
        // BM25 alone: both match "concert"; Bob's shorter text wins
        assertThat(ids(only(bm25), "What did Ann think of the concert?", stored, 1))
                .containsExactly("b1");
        assertThat(
                        ids(
                                only(bm25, new Retriever.Vote(Signal.SPEAKER, 0.25)),
                                "What did Ann think of the concert?",
                                stored,
                                1))
                .containsExactly("a1");
        // a name that is no speaker's changes nothing; nor a user with one speaker
        assertThat(
                        ids(
                                only(bm25, new Retriever.Vote(Signal.SPEAKER, 0.25)),
                                "What did Carl think of the concert?",
                                stored,
                                1))
                .containsExactly("b1");
    }

    @Test
    void theSessionNeighboursOfAHitJoinTheRanking() {
        List<MemoryRecord> stored =
                List.of(
                        said("q", "s1", "2023-05-01T10:00:00Z", "Bob", "what did you adopt?"),
                        said("a", "s1", "2023-05-01T10:01:00Z", "Ann", "a beagle named Pepper"),
                        said("x", "s2", "2023-05-02T10:00:00Z", "Ann", "Pepper hates rain"),
                        said("y", "s2", "2023-05-02T10:01:00Z", "Bob", "so do I"));
        Retriever.Vote bm25 = new Retriever.Vote(Signal.BM25, 1.0);
        // only the question shares a word with the question: BM25 alone returns it alone
        assertThat(ids(only(bm25), "What was adopted?", stored, 3)).containsExactly("q");
        // its reply (next in session s1) comes with it; nothing of session s2 does
        assertThat(
                        ids(
                                only(bm25, new Retriever.Vote(Signal.NEIGHBOUR, 0.5)),
                                "What was adopted?",
                                stored,
                                3))
                .containsExactly("q", "a");
    }

    @Test
    void votesWithoutWeightOrModelAreLeftOut() {
        Retriever r =
                new Retriever(
                        null,
                        List.of(
                                new Retriever.Vote(Signal.BM25, 1.0),
                                new Retriever.Vote(Signal.DENSE, 1.0),
                                new Retriever.Vote(Signal.SPEAKER, 0.0)));
        assertThat(r.votes()).extracting(Retriever.Vote::signal).containsExactly(Signal.BM25);
        assertThat(r.isDense()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new Retriever.Vote(Signal.SPEAKER, -1))
                .hasMessageContaining("memflow.retrieval.speaker-weight");
    }

    @Test
    void aVectorOfAnotherModelIsNeverScoredAndIsReplacedInTheIndex() {
        TopicEmbedder e = new TopicEmbedder();
        // stored by another model: the dog memory carries a "city" vector
        MemoryRecord dog = mem("a", "2023-05-08T10:00:00Z", "Ann: my dog Pepper loves the park");
        io.memflow.operators.embedding.StoredVectors.set(dog, e.embed("Seattle"), "other-model");
        MemoryRecord city = mem("b", "2023-06-10T10:00:00Z", "Ann: we moved to Seattle");
        MemoryIndex index = new MemoryIndex(e.modelId());
        index.put(dog);
        index.put(city);
        assertThat(index.missingVectors()).isEqualTo(2);
        Retriever r = new Retriever(e, List.of(new Retriever.Vote(Signal.DENSE, 1.0)));
        long now = Instant.parse("2023-07-01T00:00:00Z").toEpochMilli();
        assertThat(
                        r.retrieve("Tell me about the canine", now, index, 1).memories().stream()
                                .map(RetrievedMemory::getMemoryId))
                .containsExactly("a");
        assertThat(index.missingVectors()).isZero(); // filled once, kept for the next search
        assertThat(dog.getEmbeddingModel()).isEqualTo("other-model"); // the record is untouched
    }
}
