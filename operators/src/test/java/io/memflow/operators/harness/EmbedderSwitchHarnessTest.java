package io.memflow.operators.harness;

import static io.memflow.operators.TestData.envelope;
import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.TestData;
import io.memflow.operators.TestingEmbedder;
import io.memflow.operators.consolidate.ConsolidateFunction;
import io.memflow.operators.consolidate.ExtractiveConsolidator;
import io.memflow.operators.longterm.LongTermFunction;
import io.memflow.operators.longterm.LongTermMemory;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.Observation;
import io.memflow.serving.embedding.TextEmbedder;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.junit.jupiter.api.Test;

/**
 * A savepoint of the long-term tier taken while memories carried vectors of one embedding model,
 * restored into a job configured with another: retrieval keeps answering, the old vectors are never
 * compared with the new model's question vectors, and the next sleep pass re-embeds every memory
 * and says so on the changelog. On RocksDB, as in production.
 */
class EmbedderSwitchHarnessTest {
    static final String QUESTION = "Which instrument is Ann learning?";

    /** The new model: hashed terms. */
    static final TestingEmbedder NEW = new TestingEmbedder();

    /**
     * The old model, built to be caught: the vector it stores for the roof memory is exactly the
     * new model's vector of the question, so comparing across models would put the roof first.
     */
    static final class OldModel implements TextEmbedder {
        @Override
        public float[][] embed(List<String> texts) {
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < texts.size(); i++) {
                out[i] = NEW.embed(texts.get(i).contains("roof") ? QUESTION : texts.get(i));
            }
            return out;
        }

        @Override
        public int dimension() {
            return NEW.dimension();
        }

        @Override
        public String modelId() {
            return "old-model";
        }
    }

    static MemoryInput candidates(TextEmbedder e, Observation o) {
        MemoryInput in = TierHarnessTest.candidates(new ExtractiveConsolidator(), o);
        ConsolidateFunction.embedAll(e, in.getCandidates());
        return in;
    }

    static List<MemoryAnswer> answers(
            org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness<
                            String, MemoryInput, MemoryChange>
                    h) {
        List<MemoryAnswer> out = new ArrayList<>();
        h.getSideOutput(LongTermFunction.ANSWERS).forEach(r -> out.add(r.getValue()));
        return out;
    }

    @Test
    void aSavepointOfAnotherModelIsReembeddedNeverCompared() throws Exception {
        OldModel old = new OldModel();
        OperatorSubtaskState savepoint;
        LongTermMemory before = new LongTermMemory(5000, 0.9, new Retriever(old));
        try (var h = TierHarnessTest.harness(new LongTermFunction(before, 1000 * 3_600_000L, 10))) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.open();
            h.processElement(
                    candidates(
                            old,
                            obs(
                                    "d1",
                                    "s1",
                                    "2024-03-04T10:00:00Z",
                                    "Ann",
                                    "I started learning the guitar last month.")),
                    1);
            h.processElement(
                    candidates(
                            old,
                            obs(
                                    "d2",
                                    "s2",
                                    "2024-04-04T10:00:00Z",
                                    "Ann",
                                    "The roof leaks again whenever it rains.")),
                    2);
            assertThat(values(h))
                    .allSatisfy(
                            c ->
                                    assertThat(c.getRecord().getEmbeddingModel())
                                            .isEqualTo("old-model"));
            savepoint = h.snapshot(1, 3);
        }

        NEW.calls = 0;
        LongTermMemory after = new LongTermMemory(5000, 0.9, new Retriever(NEW));
        try (var h = TierHarnessTest.harness(new LongTermFunction(after, 1000 * 3_600_000L, 10))) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.initializeState(savepoint);
            h.open();
            h.processElement(TierHarnessTest.query("2024-04-05T00:00:00Z", QUESTION), 4);
            List<RetrievedMemory> ranked = answers(h).get(0).getMemories();
            assertThat(ranked).hasSize(2);
            assertThat(ranked.get(0).getSourceTurnIds()).containsExactly("d1");
            // were the old vector compared, the roof would score cosine 1 and rank first
            assertThat(ranked.get(1).getSourceTurnIds()).containsExactly("d2");
            assertThat(ranked.get(1).getScore()).isLessThan(ranked.get(0).getScore());

            // the sleep pass gives every memory the new model's vector, one UPDATE each
            h.processElement(
                    TierHarnessTest.control("2024-04-06T00:00:00Z", ControlType.CONSOLIDATE_NOW),
                    5);
            List<MemoryChange> updates =
                    values(h).stream().filter(c -> c.getType() == ChangeType.UPDATE).toList();
            assertThat(updates).hasSize(2);
            for (MemoryChange c : updates) {
                MemoryRecord r = c.getRecord();
                assertThat(LongTermMemory.isReembedding(c)).isTrue();
                assertThat(c.getReason()).isEqualTo("re-embedded with " + NEW.modelId());
                assertThat(r.getEmbeddingModel()).isEqualTo(NEW.modelId());
                assertThat(r.getVersion()).isEqualTo(2);
                float[] expected = NEW.embed(MemoryText.embedded(r));
                assertThat(io.memflow.operators.embedding.StoredVectors.vector(r, NEW))
                        .usingComparatorWithPrecision(0.02f)
                        .containsExactly(expected);
            }
            h.processElement(TierHarnessTest.query("2024-04-07T00:00:00Z", QUESTION), 6);
            assertThat(answers(h).get(1).getMemories().get(0).getSourceTurnIds())
                    .containsExactly("d1");
        }
    }

    static List<MemoryChange> values(
            org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness<
                            String, MemoryInput, MemoryChange>
                    h) {
        return TierHarnessTest.values(h.getOutput(), MemoryChange.class);
    }

    static {
        // the harness keys by the envelope's key; keep the test user's
        assertThat(TestData.KEY).isNotBlank();
        assertThat(envelope(0).getKey()).isEqualTo(TestData.KEY);
    }
}
