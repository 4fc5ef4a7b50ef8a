package io.memflow.serving.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The token strings of a GGUF vocabulary with their scores, types and special ids. Token types
 * follow llama.cpp: 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte.
 */
public final class Vocabulary {
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_BYTE = 6;

    private final String[] tokens;
    private final float[] scores; // (vocab), or null
    private final int[] types; // (vocab), or null
    private final Map<String, Integer> ids;
    private final int bos;
    private final int eos;
    private final int unk;
    private final List<String> specials; // control and user-defined tokens, longest first

    public Vocabulary(String[] tokens, float[] scores, int[] types, int bos, int eos, int unk) {
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.ids = new HashMap<>(tokens.length * 2);
        for (int i = 0; i < tokens.length; i++) {
            ids.putIfAbsent(tokens[i], i);
        }
        List<String> sp = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if ((isControl(i) || type(i) == TYPE_USER_DEFINED) && !tokens[i].isEmpty()) {
                sp.add(tokens[i]);
            }
        }
        sp.sort(Comparator.comparingInt(String::length).reversed());
        this.specials = List.copyOf(sp);
    }

    public int size() {
        return tokens.length;
    }

    public String token(int id) {
        return tokens[id];
    }

    /** Id of {@code token}, or -1. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    public float score(int id) {
        return scores == null ? 0f : scores[id];
    }

    public int type(int id) {
        return types == null ? TYPE_NORMAL : types[id];
    }

    public boolean isControl(int id) {
        return type(id) == TYPE_CONTROL;
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }

    public int unk() {
        return unk;
    }

    /** Control and user-defined token strings, longest first (for matching in text). */
    public List<String> specialTokens() {
        return specials;
    }
}
