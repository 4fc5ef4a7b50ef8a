package io.memflow.operators.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The extraction reply is read strictly: anything but the documented shape is invalid. */
class ExtractedFactsTest {

    @Test
    void readsTheDocumentedShape() throws Exception {
        List<ExtractedFacts.Fact> facts =
                ExtractedFacts.parse(
                        "{\"facts\":[{\"text\":\" Ann lives in Boston. \",\"speaker\":\"Ann\","
                                + "\"date\":\"2024-03-04\",\"source_turn_ids\":[\"D1:1\"]},"
                                + "{\"text\":\"Bob likes dogs.\",\"speaker\":null,\"date\":null,"
                                + "\"source_turn_ids\":[]}]}");
        assertThat(facts).hasSize(2);
        assertThat(facts.get(0).text()).isEqualTo("Ann lives in Boston.");
        assertThat(facts.get(0).date()).isEqualTo(LocalDate.of(2024, 3, 4));
        assertThat(facts.get(0).sourceTurnIds()).containsExactly("D1:1");
        assertThat(facts.get(1).speaker()).isNull();
        assertThat(ExtractedFacts.parse("```json\n{\"facts\":[]}\n```")).isEmpty();
    }

    @Test
    void anythingElseIsInvalid() {
        for (String bad :
                List.of(
                        "",
                        "Sure! Ann lives in Boston.",
                        "[]",
                        "{\"facts\":[]} trailing",
                        "{\"facts\":{}}",
                        "{\"facts\":[],\"extra\":1}",
                        "{\"facts\":[\"Ann lives in Boston\"]}",
                        "{\"facts\":[{\"text\":\"\",\"source_turn_ids\":[\"a\"]}]}",
                        "{\"facts\":[{\"text\":\"x\"}]}",
                        "{\"facts\":[{\"text\":\"x\",\"source_turn_ids\":[1]}]}",
                        "{\"facts\":[{\"text\":\"x\",\"date\":\"yesterday\",\"source_turn_ids\":[]}]}",
                        "{\"facts\":[{\"text\":\"x\",\"speaker\":3,\"source_turn_ids\":[]}]}",
                        "{\"facts\":[{\"text\":\"x\",\"mood\":\"ok\",\"source_turn_ids\":[]}]}")) {
            assertThatThrownBy(() -> ExtractedFacts.parse(bad))
                    .as(bad)
                    .isInstanceOf(ExtractedFacts.InvalidReply.class);
        }
        String many =
                "{\"facts\":["
                        + "{\"text\":\"x\",\"source_turn_ids\":[]},"
                                .repeat(ExtractedFacts.MAX_FACTS)
                        + "{\"text\":\"x\",\"source_turn_ids\":[]}]}";
        assertThatThrownBy(() -> ExtractedFacts.parse(many))
                .isInstanceOf(ExtractedFacts.InvalidReply.class);
    }
}
