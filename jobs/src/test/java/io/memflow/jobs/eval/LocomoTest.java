package io.memflow.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocomoTest {

    @Test
    void repairsMalformedEvidenceIds() {
        assertThat(Locomo.repairEvidence(List.of("D8:6; D9:17"))).containsExactly("D8:6", "D9:17");
        assertThat(Locomo.repairEvidence(List.of("D9:1 D4:4 D4:6")))
                .containsExactly("D9:1", "D4:4", "D4:6");
        assertThat(Locomo.repairEvidence(List.of("D:11:26"))).containsExactly("D11:26");
        assertThat(Locomo.repairEvidence(List.of("D30:05"))).containsExactly("D30:5");
        assertThat(Locomo.repairEvidence(List.of("D"))).isEmpty();
        assertThat(Locomo.repairEvidence(List.of("D1:3", "D1:3"))).containsExactly("D1:3");
    }

    @Test
    void readsTheDevFile() throws Exception {
        String shared = System.getProperty("memflow.shared.dir");
        assertThat(shared).as("system property memflow.shared.dir (set by the build)").isNotNull();
        Path file = Path.of(shared, "data", "locomo-dev.json");
        assertThat(Files.isRegularFile(file))
                .as("LoCoMo dev file %s is missing: these tests need ../shared/data", file)
                .isTrue();
        List<Locomo.Conversation> convs = Locomo.read(file);
        assertThat(convs)
                .extracting(Locomo.Conversation::sampleId)
                .containsExactly("conv-26", "conv-49");
        Locomo.Conversation c26 = convs.get(0);
        // conv-26 has 35 date keys but 19 sessions
        assertThat(c26.sessions()).hasSize(19);
        assertThat(c26.sessions().get(0).time()).isEqualTo(Instant.parse("2023-05-08T13:56:00Z"));
        assertThat(c26.turns()).hasSize(419);
        assertThat(convs.get(1).turns()).hasSize(509);
        assertThat(c26.turns()).anySatisfy(t -> assertThat(t.chunk()).contains("[shares: "));
        int questions = 0;
        int scored = 0;
        for (Locomo.Conversation c : convs) {
            questions += c.questions().size();
            scored += c.questions().stream().filter(Locomo.Question::scored).count();
        }
        assertThat(questions).isEqualTo(395);
        assertThat(scored).isEqualTo(306);
        // "D8:6; D9:17" in conv-26 becomes two existing ids
        assertThat(c26.questions())
                .anySatisfy(
                        q -> {
                            assertThat(q.rawEvidence()).contains("D8:6; D9:17");
                            assertThat(q.evidence()).containsExactly("D8:6", "D9:17");
                        });
        // every turn keeps its session's date and a later query time
        assertThat(c26.queryTime()).isAfter(c26.turns().get(c26.turns().size() - 1).time());
    }
}
