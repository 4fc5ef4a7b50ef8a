package io.memflow.operators.consolidate;

import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.text.Text;
import io.memflow.schemas.internal.Observation;
import org.junit.jupiter.api.Test;

class SpeakerResolverTest {

    @Test
    void firstPersonSingularBecomesTheSpeaker() {
        assertThat(SpeakerResolver.resolve("Maya", "I moved to Seattle with my dog."))
                .isEqualTo("Maya moved to Seattle with Maya's dog.");
        assertThat(SpeakerResolver.resolve("Maya", "I'm allergic to peanuts, tell me."))
                .isEqualTo("Maya's allergic to peanuts, tell Maya.");
        assertThat(SpeakerResolver.resolve("Maya", "(I’ll) bring mine"))
                .isEqualTo("(Maya'll) bring Maya's");
    }

    @Test
    void leavesGroupsOtherPeopleAndLookalikesAlone() {
        String s = "We love your dog; our Irish friend met him in Maine, Idaho.";
        assertThat(SpeakerResolver.resolve("Maya", s)).isEqualTo(s);
    }

    @Test
    void keepsTheTokenCount() {
        String s = "I think my sister and I'll visit me, I've heard I'd like it.";
        assertThat(Text.countTokens(SpeakerResolver.resolve("Maya", s)))
                .isEqualTo(Text.countTokens(s));
    }

    @Test
    void onlyResolvesToANameNotAnIdOrAPhrase() {
        String s = "I ran the query.";
        assertThat(SpeakerResolver.resolve("tool_42", s)).isEqualTo(s);
        assertThat(SpeakerResolver.resolve("search tool", s)).isEqualTo(s);
        assertThat(SpeakerResolver.resolve("", s)).isEqualTo(s);
    }

    @Test
    void theStoredFactOfATurnSaysWhoseItIs() {
        Observation o =
                Observation.newBuilder(
                                obs(
                                        "d1",
                                        "s1",
                                        "2024-03-04T10:00:00Z",
                                        "Ann",
                                        "I adopted a beagle, my first dog."))
                        .setCompressedText("I adopted beagle, my first dog.")
                        .build();
        assertThat(ExtractiveConsolidator.factText(o))
                .isEqualTo("Ann: Ann adopted beagle, Ann's first dog.");
        // agent events are not statements of a person
        Observation event = Observation.newBuilder(o).setSource("tool_result").build();
        assertThat(ExtractiveConsolidator.factText(event))
                .isEqualTo("Ann: I adopted beagle, my first dog.");
    }
}
