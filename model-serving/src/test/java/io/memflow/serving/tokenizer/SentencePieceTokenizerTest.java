package io.memflow.serving.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SentencePiece-style encoding on a hand-built vocabulary. */
class SentencePieceTokenizerTest {
    private static final String S = "\u2581";

    /** <unk> <s> </s>, 256 byte pieces, then scored pieces: earlier pieces merge first. */
    static SentencePieceTokenizer tokenizer() {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(Vocabulary.TYPE_BYTE);
        }
        String[] pieces = {
            S,
            "h",
            "e",
            "l",
            "o",
            "w",
            "r",
            "d",
            "a",
            "b",
            "c", //
            "ll",
            S + "h",
            "el",
            "llo",
            S + "hello",
            "ab",
            "bc",
            S + "w",
            "or",
            S + "wor",
            "ld",
            S + "world",
            S + "he",
            "hello"
        };
        for (String p : pieces) {
            tokens.add(p);
            types.add(Vocabulary.TYPE_NORMAL);
        }
        float[] scores = new float[tokens.size()];
        for (int i = 259; i < scores.length; i++) {
            scores[i] = -i;
        }
        Vocabulary v =
                new Vocabulary(
                        tokens.toArray(new String[0]),
                        scores,
                        types.stream().mapToInt(i -> i).toArray(),
                        1,
                        2,
                        0);
        return new SentencePieceTokenizer(v, true, true);
    }

    @Test
    void encodesWithSpacePrefixAndScoredMerges() {
        SentencePieceTokenizer t = tokenizer();
        Vocabulary v = t.vocabulary();
        assertThat(t.encode("hello world", false))
                .containsExactly(v.id(S + "hello"), v.id(S + "world"));
        // "ab" outscores "bc", so "abc" is ab + c, not a + bc
        assertThat(t.encode("abc", false)).containsExactly(v.id(S), v.id("ab"), v.id("c"));
        assertThat(t.encode("", false)).isEmpty();
    }

    @Test
    void unknownCharactersFallBackToBytes() {
        SentencePieceTokenizer t = tokenizer();
        Vocabulary v = t.vocabulary();
        assertThat(t.encode("h\u00e9", false))
                .containsExactly(v.id(S + "h"), v.id("<0xC3>"), v.id("<0xA9>"));
    }

    @Test
    void parsesSpecialTokensOnlyWhenAsked() {
        SentencePieceTokenizer t = tokenizer();
        int[] special = t.encode("<s>hello", true);
        assertThat(special[0]).isEqualTo(1);
        assertThat(special).hasSize(2);
        assertThat(t.encode("<s>", false)).doesNotContain(1);
    }

    @Test
    void roundTrips() {
        SentencePieceTokenizer t = tokenizer();
        for (String text : new String[] {"hello world", "h\u00e9 \u2603 abc", "  wo rld!", "x"}) {
            int[] ids = t.encode(text, false);
            // after BOS the encoder's space prefix is dropped again, as llama2.c does
            assertThat(t.decode(1, ids)).isEqualTo(text);
        }
    }

    @Test
    void streamingHoldsBackSplitCharacters() {
        SentencePieceTokenizer t = tokenizer();
        Vocabulary v = t.vocabulary();
        TokenDecoder d = new TokenDecoder(t, 1);
        assertThat(d.next(v.id(S + "h"))).isEqualTo("h");
        assertThat(d.next(v.id("<0xC3>"))).isEmpty();
        assertThat(d.next(v.id("<0xA9>"))).isEqualTo("\u00e9");
    }
}
