package io.memflow.serving.model;

/** The model families this engine runs, as named by GGUF's {@code general.architecture}. */
public enum Architecture {
    /** Llama 2 and 3, SmolLM, Mistral: no attention biases, interleaved-pair RoPE. */
    LLAMA("llama", false, Rope.Style.INTERLEAVED),
    /** Qwen2: q/k/v biases, rotate-half (NeoX) RoPE. */
    QWEN2("qwen2", true, Rope.Style.NEOX);

    private final String ggufName;
    private final boolean attentionBias;
    private final Rope.Style ropeStyle;

    Architecture(String ggufName, boolean attentionBias, Rope.Style ropeStyle) {
        this.ggufName = ggufName;
        this.attentionBias = attentionBias;
        this.ropeStyle = ropeStyle;
    }

    public String ggufName() {
        return ggufName;
    }

    public boolean attentionBias() {
        return attentionBias;
    }

    public Rope.Style ropeStyle() {
        return ropeStyle;
    }

    /** The architecture called {@code name} in GGUF, or null. */
    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        return null;
    }
}
