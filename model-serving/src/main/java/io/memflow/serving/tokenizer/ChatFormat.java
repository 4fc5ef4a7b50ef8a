package io.memflow.serving.tokenizer;

import io.memflow.serving.api.ChatMessage;
import java.util.List;

/**
 * Chat prompt formats, written out per model family (no template interpreter). The rendered text
 * contains special tokens by name and is encoded with {@code parseSpecial = true}; BOS is added by
 * the caller when the tokenizer asks for it.
 */
public enum ChatFormat {
    /** Llama 2 chat and Mistral instruct: [INST] ... [/INST]. */
    LLAMA2,
    /** Llama 3: header tokens around each role, &lt;|eot_id|&gt; after each message. */
    LLAMA3,
    /** Qwen and SmolLM: &lt;|im_start|&gt;role\n ... &lt;|im_end|&gt;. */
    CHATML;

    /** The family's format, judged by its special tokens. */
    public static ChatFormat detect(Vocabulary v) {
        if (v.id("<|start_header_id|>") >= 0) {
            return LLAMA3;
        }
        if (v.id("<|im_start|>") >= 0) {
            return CHATML;
        }
        return LLAMA2;
    }

    /** Tokens that end an assistant turn, besides EOS. */
    public String[] stopTokens() {
        switch (this) {
            case LLAMA3:
                return new String[] {"<|eot_id|>", "<|end_of_text|>"};
            case CHATML:
                return new String[] {"<|im_end|>", "<|endoftext|>"};
            default:
                return new String[0];
        }
    }

    /** Renders {@code messages}, then opens an assistant turn if {@code assistantPrompt}. */
    public String render(List<ChatMessage> messages, boolean assistantPrompt) {
        StringBuilder sb = new StringBuilder();
        switch (this) {
            case LLAMA3:
                for (ChatMessage m : messages) {
                    sb.append("<|start_header_id|>")
                            .append(m.role())
                            .append("<|end_header_id|>\n\n");
                    sb.append(m.content().strip()).append("<|eot_id|>");
                }
                if (assistantPrompt) {
                    sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                }
                return sb.toString();
            case CHATML:
                for (ChatMessage m : messages) {
                    sb.append("<|im_start|>").append(m.role()).append('\n');
                    sb.append(m.content()).append("<|im_end|>\n");
                }
                if (assistantPrompt) {
                    sb.append("<|im_start|>assistant\n");
                }
                return sb.toString();
            default:
                return renderLlama2(messages);
        }
    }

    private static String renderLlama2(List<ChatMessage> messages) {
        StringBuilder sb = new StringBuilder();
        String system = null;
        boolean first = true;
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system":
                    system = m.content().strip();
                    break;
                case "user":
                    if (!first) {
                        sb.append("<s>");
                    }
                    sb.append("[INST] ");
                    if (system != null) {
                        sb.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
                        system = null;
                    }
                    sb.append(m.content().strip()).append(" [/INST]");
                    first = false;
                    break;
                default:
                    sb.append(' ').append(m.content().strip()).append(" </s>");
            }
        }
        return sb.toString();
    }
}
