package io.memflow.serving.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Splits text into raw fragments and special-token fragments (longest match first). */
final class SpecialTokens {
    private SpecialTokens() {}

    /** A piece of text: either raw text or exactly one special token's string. */
    record Fragment(String text, int specialId) {
        boolean isSpecial() {
            return specialId >= 0;
        }
    }

    static List<Fragment> split(String text, Vocabulary v, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        if (!parseSpecial || v.specialTokens().isEmpty()) {
            out.add(new Fragment(text, -1));
            return out;
        }
        BitSet firstChars = new BitSet();
        for (String s : v.specialTokens()) {
            firstChars.set(s.charAt(0));
        }
        int rawStart = 0;
        int i = 0;
        while (i < text.length()) {
            String match = null;
            if (firstChars.get(text.charAt(i))) {
                for (String s : v.specialTokens()) { // longest first
                    if (text.startsWith(s, i)) {
                        match = s;
                        break;
                    }
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > rawStart) {
                out.add(new Fragment(text.substring(rawStart, i), -1));
            }
            out.add(new Fragment(match, v.id(match)));
            i += match.length();
            rawStart = i;
        }
        if (rawStart < text.length()) {
            out.add(new Fragment(text.substring(rawStart), -1));
        }
        return out;
    }
}
