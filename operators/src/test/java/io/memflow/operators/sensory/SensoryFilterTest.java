package io.memflow.operators.sensory;

import static io.memflow.operators.TestData.obs;
import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.text.Text;
import io.memflow.schemas.internal.SensoryState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SensoryFilterTest {
    final SensoryFilter filter = new SensoryFilter(8, 0.97, 0.7, new PosTokenScorer());

    @Test
    void compressesToAboutTheKeepRatioAndKeepsProtectedWords() {
        String text =
                "Well, I think that we finally moved to Seattle on 12 April 2024 and we do not regret it at all.";
        String out = filter.compress(text);
        int in = Text.countTokens(text);
        assertThat(Text.countTokens(out)).isLessThanOrEqualTo((int) Math.ceil(0.7 * in) + 1);
        assertThat(out).contains("Seattle", "12", "April", "2024", "not", "moved");
        // order of the kept words is the original order
        List<String> words = Arrays.asList(out.split(" "));
        assertThat(words.indexOf("Seattle")).isLessThan(words.indexOf("2024"));
    }

    @Test
    void tagsProperNounsAndFunctionWords() {
        String[] tags =
                new PosTokenScorer()
                        .tags(List.of("Maya", "adopted", "a", "beagle", "in", "Boston."));
        assertThat(tags[0]).isEqualTo("PROPN");
        assertThat(tags[2]).isEqualTo("DET");
        assertThat(tags[4]).isEqualTo("ADP");
    }

    @Test
    void tagsATurnOnceWithoutSharingTheArray() {
        PosTokenScorer pos = new PosTokenScorer();
        List<String> words = List.of("Maya", "adopted", "a", "beagle", "in", "Boston.");
        String[] tags = pos.tags(words);
        tags[0] = "DET";
        // a sentence-initial name is protected only by its PROPN tag, which the caller's copy
        // cannot change
        assertThat(pos.protectedWords(words)[0]).isTrue();
        assertThat(pos.tags(List.of("I", "run")))
                .hasSize(2)
                .containsExactly(pos.tags(List.of("I", "run")));
    }

    @Test
    void dropsContentFreeAndNearDuplicateTurns() {
        SensoryState s = SensoryFilter.emptyState();
        assertThat(
                        filter.process(
                                        s,
                                        obs(
                                                "d1",
                                                "s",
                                                "2024-03-04T10:00:00Z",
                                                "Ann",
                                                "haha ok thanks!"))
                                .dropReason())
                .isEqualTo("content-free");
        assertThat(
                        filter.process(
                                        s,
                                        obs(
                                                "d2",
                                                "s",
                                                "2024-03-04T10:01:00Z",
                                                "Ann",
                                                "My dog Pepper loves the park."))
                                .kept())
                .isNotNull();
        assertThat(
                        filter.process(
                                        s,
                                        obs(
                                                "d3",
                                                "s",
                                                "2024-03-04T10:02:00Z",
                                                "Ann",
                                                "My dog Pepper loves the park!"))
                                .dropReason())
                .isEqualTo("near-duplicate");
        assertThat(s.getTurnsIn()).isEqualTo(3);
        assertThat(s.getTurnsDropped()).isEqualTo(2);
    }

    @Test
    void ringForgetsTurnsOlderThanItsSize() {
        SensoryFilter small = new SensoryFilter(1, 0.97, 1.0, new HeuristicTokenScorer());
        SensoryState s = SensoryFilter.emptyState();
        small.process(s, obs("d1", "s", "2024-03-04T10:00:00Z", "Ann", "I play chess on Sundays."));
        small.process(
                s, obs("d2", "s", "2024-03-04T10:01:00Z", "Ann", "My sister lives in Chicago."));
        assertThat(
                        small.process(
                                        s,
                                        obs(
                                                "d3",
                                                "s",
                                                "2024-03-04T10:02:00Z",
                                                "Ann",
                                                "I play chess on Sundays."))
                                .kept())
                .isNotNull();
    }

    @Test
    void greetingsThatOnlyAddressAParticipantAreContentFree() {
        SensoryState s = SensoryFilter.emptyState();
        String[] smallTalk = {
            "Hello Maya, how was your day?",
            "Hey Mel! Good to see you! How have you been?",
            "Thanks, Evan! Bye for now.",
            "What's up? Long time!"
        };
        for (String t : smallTalk) {
            assertThat(
                            filter.process(s, obs("g", "s", "2024-03-04T10:00:00Z", "Ann", t))
                                    .dropReason())
                    .as(t)
                    .isEqualTo("content-free");
        }
        // a name that is not addressed by a greeting is content, and so is anything else said
        String[] facts = {
            "Seattle!",
            "Hi Mel! How was your trip to Paris?",
            "Hello Maya, I got the nurse job.",
            "Thanks, Evan, the book on sailing helped."
        };
        int i = 0;
        for (String t : facts) {
            assertThat(
                            filter.process(s, obs("f" + i++, "s", "2024-03-04T10:00:00Z", "Ann", t))
                                    .kept())
                    .as(t)
                    .isNotNull();
        }
        assertThat(s.getTurnsDropped()).isEqualTo(smallTalk.length);
        assertThat(s.getTurnsIn()).isEqualTo(smallTalk.length + facts.length);
    }

    @Test
    void deletesFunctionWordsBeforeAnyContentWord() {
        String text = "Yeah, I play the clarinet and the violin with my sister every weekend.";
        String out = new SensoryFilter(8, 0.97, 0.6, new PosTokenScorer()).compress(text);
        List<String> kept = Text.tokens(out);
        assertThat(kept)
                .contains("play", "clarinet", "violin", "sister", "weekend")
                // relation words outlast fillers, articles and first-person pronouns
                .contains("and", "with")
                .doesNotContain("yeah", "the", "i", "my");
        assertThat(kept.size()).isLessThanOrEqualTo((int) Math.ceil(0.6 * Text.countTokens(text)));
    }

    @Test
    void keepsWhoseFactItIsWhenFirstPersonGoes() {
        // stored as "Caroline: ...": "I" is the speaker, "your" is someone else
        String text = "I really love your painting of the lake, it is so calm.";
        String out = new SensoryFilter(8, 0.97, 0.4, new PosTokenScorer()).compress(text);
        assertThat(Text.tokens(out))
                .contains("your", "painting", "lake", "calm")
                .doesNotContain("i", "really", "the");
    }

    @Test
    void contentWordsGoOnlyWhenFunctionWordsCannotMeetTheRatio() {
        String text = "We moved from Boston to Seattle because my wife got a job there.";
        List<String> content = List.of("moved", "boston", "seattle", "wife", "got", "job");
        PosTokenScorer pos = new PosTokenScorer();
        // 13 tokens, 6 of them content words: at 0.5 the function words are enough
        assertThat(Text.tokens(new SensoryFilter(8, 0.97, 0.5, pos).compress(text)))
                .containsAll(content);
        // at 0.3 (4 tokens) some content word has to go; names stay (protected)
        List<String> tight = Text.tokens(new SensoryFilter(8, 0.97, 0.3, pos).compress(text));
        assertThat(tight).contains("boston", "seattle").doesNotContainSequence(content);
        assertThat(tight).hasSizeLessThan(content.size());
    }

    @Test
    void classifiesWordsByPartOfSpeech() {
        assertThat(WordClass.of("to", "ADP")).isEqualTo(WordClass.RELATION);
        assertThat(WordClass.of("to", "PART")).isEqualTo(WordClass.CLAUSE);
        assertThat(WordClass.of("i'm", "PRON")).isEqualTo(WordClass.SPEAKER);
        assertThat(WordClass.of("your", "PRON")).isEqualTo(WordClass.RELATION);
        assertThat(WordClass.of("like", "INTJ")).isEqualTo(WordClass.FILLER);
        assertThat(WordClass.of("like", "ADP")).isEqualTo(WordClass.RELATION);
        assertThat(WordClass.of("have", "AUX")).isEqualTo(WordClass.SPEAKER);
        assertThat(WordClass.of("have", "VERB")).isEqualTo(WordClass.CONTENT);
        assertThat(WordClass.of("the", null)).isEqualTo(WordClass.ARTICLE);
        assertThat(WordClass.rank("clarinet", "NOUN"))
                .isGreaterThan(WordClass.rank("lately", "ADV"));
        assertThat(WordClass.rank("lately", "ADV")).isGreaterThan(WordClass.rank("with", "ADP"));
    }

    @Test
    void anUnknownWordTaggedAsAFunctionWordIsContent() {
        // OpenNLP tags the rare noun "fado" ADP; function words are a closed class, so it is not
        // one
        String text = "Probably Alfama, Lena wants to hear fado every night.";
        assertThat(new PosTokenScorer().tags(Arrays.asList(text.split(" ")))[6]).isEqualTo("ADP");
        assertThat(WordClass.of("fado", "ADP")).isEqualTo(WordClass.CONTENT);
        assertThat(WordClass.of("with", "ADP")).isEqualTo(WordClass.RELATION);
        assertThat(Text.tokens(filter.compress(text))).contains("fado", "night");
    }

    @Test
    void lowerCaseMayIsAModalNotAMonth() {
        HeuristicTokenScorer h = new HeuristicTokenScorer();
        List<String> words = List.of("I", "may", "visit", "in", "May.");
        assertThat(h.isProtected(words, 1)).isFalse();
        assertThat(h.isProtected(words, 4)).isTrue();
    }
}
