package io.memflow.serving.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.api.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** Byte-level BPE on a hand-built vocabulary. */
class BpeTokenizerTest {

    static BpeTokenizer tokenizer(BpeTokenizer.PreTokenizer pre) {
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(BpeTokenizer.bytesToChars(new byte[] {(byte) b}));
            types.add(Vocabulary.TYPE_NORMAL);
        }
        String g = BpeTokenizer.bytesToChars(" ".getBytes(StandardCharsets.UTF_8)); // "Ġ"
        String[] merges = {
            "h e", "l l", "he ll", "hell o", g + " w", "o r", g + "w or", "l d", g + "wor ld"
        };
        for (String m : merges) {
            tokens.add(m.replace(" ", ""));
            types.add(Vocabulary.TYPE_NORMAL);
        }
        for (String s : new String[] {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
            tokens.add(s);
            types.add(Vocabulary.TYPE_CONTROL);
        }
        int eot = tokens.indexOf("<|endoftext|>");
        Vocabulary v =
                new Vocabulary(
                        tokens.toArray(new String[0]),
                        null,
                        types.stream().mapToInt(i -> i).toArray(),
                        eot,
                        eot,
                        -1);
        return new BpeTokenizer(v, merges, pre, false);
    }

    @Test
    void mergesByRank() {
        BpeTokenizer t = tokenizer(BpeTokenizer.PreTokenizer.GPT2);
        Vocabulary v = t.vocabulary();
        assertThat(t.encode("hello world", false))
                .containsExactly(v.id("hello"), v.id("\u0120world"));
        // no merge applies: one token per byte
        assertThat(t.encode("xyz", false)).hasSize(3);
    }

    @Test
    void roundTripsAnyText() {
        for (BpeTokenizer.PreTokenizer pre : BpeTokenizer.PreTokenizer.values()) {
            BpeTokenizer t = tokenizer(pre);
            for (String text :
                    new String[] {
                        "hello world",
                        "h\u00e9llo \u2603 \uD83D\uDE00!",
                        "  two  spaces\n\nnl",
                        "12345"
                    }) {
                assertThat(t.decode(-1, t.encode(text, false))).as(pre.name()).isEqualTo(text);
            }
        }
    }

    @Test
    void preTokenizersSplitDigitsPerFamily() {
        assertThat(pieces(BpeTokenizer.PreTokenizer.LLAMA3, "12345 abc's"))
                .containsExactly("123", "45", " abc", "'s");
        assertThat(pieces(BpeTokenizer.PreTokenizer.QWEN2, "123 x"))
                .containsExactly("1", "2", "3", " x");
        assertThat(pieces(BpeTokenizer.PreTokenizer.SMOLLM, "ab12 (cd"))
                .containsExactly("ab", "1", "2", " (", "cd");
        assertThat(pieces(BpeTokenizer.PreTokenizer.GPT2, "123 x")).containsExactly("123", " x");
    }

    @Test
    void specialTokensAndChatMl() {
        BpeTokenizer t = tokenizer(BpeTokenizer.PreTokenizer.QWEN2);
        Vocabulary v = t.vocabulary();
        assertThat(t.chatFormat()).isEqualTo(ChatFormat.CHATML);
        String prompt = t.chatFormat().render(List.of(ChatMessage.user("hello")), true);
        assertThat(prompt).isEqualTo("<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n");
        int[] ids = t.encode(prompt, true);
        assertThat(ids[0]).isEqualTo(v.id("<|im_start|>"));
        assertThat(ids).contains(v.id("<|im_end|>"), v.id("hello"));
        // control tokens decode to nothing; without parseSpecial they are plain text
        assertThat(t.decode(-1, new int[] {v.id("<|im_end|>")})).isEmpty();
        assertThat(t.encode("<|im_end|>", false)).doesNotContain(v.id("<|im_end|>"));
    }

    @Test
    void llama3ChatFormat() {
        String s =
                ChatFormat.LLAMA3.render(
                        List.of(ChatMessage.system("be brief"), ChatMessage.user("hi")), true);
        assertThat(s)
                .isEqualTo(
                        "<|start_header_id|>system<|end_header_id|>\n\nbe brief<|eot_id|>"
                                + "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
                                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(ChatFormat.LLAMA2.render(List.of(ChatMessage.user("hi")), true))
                .isEqualTo("[INST] hi [/INST]");
    }

    private static List<String> pieces(BpeTokenizer.PreTokenizer pre, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = pre.pattern.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
