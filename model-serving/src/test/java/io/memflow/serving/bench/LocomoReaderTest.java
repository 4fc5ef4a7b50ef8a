package io.memflow.serving.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.serving.model.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocomoReaderTest {
    @TempDir Path dir;

    @Test
    void readsTheDevFixture() throws Exception {
        Path file = TestModels.sharedDir().resolve("data/locomo-dev.json");
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("LoCoMo fixture missing: " + file);
        }
        List<LocomoConversation> convs = LocomoReader.read(file);
        assertThat(convs)
                .extracting(LocomoConversation::sampleId)
                .containsExactly("conv-26", "conv-49");
        LocomoConversation c = convs.get(0);
        assertThat(c.turns()).hasSize(419); // 19 sessions; the surplus date keys add none
        assertThat(c.turns().get(0).diaId()).isEqualTo("D1:1");
        assertThat(c.turns().get(0).dateTime()).isEqualTo("1:56 pm on 8 May, 2023");
        assertThat(c.turns().get(0).utterance()).startsWith("Caroline said, \"");
        assertThat(c.turns()).anySatisfy(t -> assertThat(t.caption()).isNotNull());
        assertThat(convs.get(1).turns()).hasSize(509);
        // adversarial questions carry no answer and are left out; numbers become strings
        assertThat(c.questions()).hasSizeLessThan(199).hasSizeGreaterThan(140);
        assertThat(c.questions().get(1).answer()).isEqualTo("2022");
        // "D8:6; D9:17" splits into two ids
        assertThat(c.questions())
                .anySatisfy(q -> assertThat(q.evidence()).contains("D8:6", "D9:17"));
    }

    @Test
    void badInputNamesTheFile() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"not\": \"an array\"}");
        assertThatThrownBy(() -> LocomoReader.read(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.json")
                .hasMessageContaining("array");
        Files.writeString(bad, "[{\"qa\": []}]");
        assertThatThrownBy(() -> LocomoReader.read(bad)).hasMessageContaining("lacks conversation");
        assertThatThrownBy(() -> LocomoReader.read(dir.resolve("missing.json")))
                .hasMessageContaining("not found");
    }
}
