package io.memflow.serving.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}: Llama 3, Qwen, SmolLM). Text is split by the
 * family's pre-tokenizer regex; each piece's UTF-8 bytes are mapped to printable characters
 * (GPT-2's byte-to-unicode table) and merged by merge rank, lowest first.
 */
public final class BpeTokenizer implements Tokenizer {

    /** Pre-tokenizer patterns by {@code tokenizer.ggml.pre}. */
    public enum PreTokenizer {
        GPT2("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"),
        LLAMA3(
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                        + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
        QWEN2(
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                        + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
        /** GPT-2 after splitting off every digit (SmolLM, StarCoder). */
        SMOLLM("\\p{N}|'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

        final Pattern pattern;

        PreTokenizer(String regex) {
            this.pattern = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        }

        public static PreTokenizer fromGguf(String pre) {
            if (pre == null) {
                return GPT2;
            }
            switch (pre) {
                case "llama3":
                case "llama-bpe":
                case "llama-v3":
                    return LLAMA3;
                case "qwen2":
                    return QWEN2;
                case "smollm":
                case "starcoder":
                    return SMOLLM;
                default:
                    return GPT2;
            }
        }
    }

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        // Printable Latin-1 bytes stand for themselves; the rest are shifted to 256 and up, so
        // every byte has a visible, non-space character (GPT-2's bytes_to_unicode).
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
            BYTE_TO_CHAR[b] = (char) (printable ? b : 256 + next++);
        }
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private final Vocabulary vocab;
    private final Map<String, Integer> mergeRanks;
    private final PreTokenizer pre;
    private final boolean addBos;
    private final ChatFormat chatFormat;
    private final Map<String, int[]> cache = new HashMap<>();

    /**
     * @param merges "left right" pairs, highest priority first
     */
    public BpeTokenizer(Vocabulary vocab, String[] merges, PreTokenizer pre, boolean addBos) {
        this.vocab = vocab;
        this.pre = pre;
        this.addBos = addBos;
        this.mergeRanks = new HashMap<>(merges.length * 2);
        for (int i = 0; i < merges.length; i++) {
            mergeRanks.putIfAbsent(merges[i], i);
        }
        this.chatFormat = ChatFormat.detect(vocab);
    }

    /** Maps bytes to GPT-2's printable characters. */
    public static String bytesToChars(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public boolean addBos() {
        return addBos;
    }

    @Override
    public ChatFormat chatFormat() {
        return chatFormat;
    }

    @Override
    public int[] encode(String text, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        for (SpecialTokens.Fragment f : SpecialTokens.split(text, vocab, parseSpecial)) {
            if (f.isSpecial()) {
                out.add(f.specialId());
                continue;
            }
            Matcher m = pre.pattern.matcher(f.text());
            while (m.find()) {
                for (int id : encodeWord(m.group())) {
                    out.add(id);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private synchronized int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        String mapped = bytesToChars(word.getBytes(StandardCharsets.UTF_8));
        List<String> symbols = new ArrayList<>(mapped.length());
        for (int i = 0; i < mapped.length(); i++) {
            symbols.add(String.valueOf(mapped.charAt(i)));
        }
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestIndex = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = mergeRanks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    bestIndex = i;
                }
            }
            if (bestIndex < 0) {
                break;
            }
            symbols.set(bestIndex, symbols.get(bestIndex) + symbols.get(bestIndex + 1));
            symbols.remove(bestIndex + 1);
        }
        List<Integer> ids = new ArrayList<>();
        for (String s : symbols) {
            int id = vocab.id(s);
            if (id >= 0) {
                ids.add(id);
            } else { // not in the vocabulary: fall back to its single-byte symbols
                for (int i = 0; i < s.length(); i++) {
                    int b = vocab.id(String.valueOf(s.charAt(i)));
                    ids.add(b >= 0 ? b : Math.max(vocab.unk(), 0));
                }
            }
        }
        int[] result = ids.stream().mapToInt(Integer::intValue).toArray();
        if (cache.size() < 100_000) {
            cache.put(word, result);
        }
        return result;
    }

    @Override
    public byte[] tokenBytes(int previous, int token) {
        int type = vocab.type(token);
        if (type == Vocabulary.TYPE_CONTROL) {
            return new byte[0];
        }
        String s = vocab.token(token);
        if (type == Vocabulary.TYPE_USER_DEFINED) { // stored as plain text, not byte-mapped
            return s.getBytes(StandardCharsets.UTF_8);
        }
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) { // not a byte-mapped character: keep its UTF-8
                byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out = java.util.Arrays.copyOf(out, out.length + raw.length);
                System.arraycopy(raw, 0, out, n, raw.length);
                n += raw.length;
            } else {
                out[n++] = (byte) b;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
