package io.memflow.operators.remote;

import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.serving.api.ChatMessage;
import java.util.List;

/**
 * The messages memflow sends to a remote model to answer a question from retrieved memories: one
 * system message with the rules, one user message with the dated memories (best first) and the
 * question. Pure, so the exact wording is tested and documented.
 */
public final class AnswerPrompt {
    public static final String SYSTEM =
            "You answer questions about a user from their memories. Use only the memories"
                    + " given; prefer the newest when they disagree. Answer in one short"
                    + " sentence. If the memories do not contain the answer, say \"I don't"
                    + " know\".";

    private AnswerPrompt() {}

    public static List<ChatMessage> of(String question, List<RetrievedMemory> memories) {
        StringBuilder sb = new StringBuilder("Memories:\n");
        if (memories.isEmpty()) {
            sb.append("(none)\n");
        }
        for (RetrievedMemory m : memories) {
            sb.append("- ").append(MemoryText.dated(m.getEventTime().toEpochMilli(), m.getText()));
            if (m.getStatus() == MemoryStatus.SUPERSEDED) {
                sb.append(" (no longer true)");
            }
            sb.append('\n');
        }
        sb.append("\nQuestion: ").append(question);
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(sb.toString()));
    }

    /** The same messages over memory lines that already carry their dates (eval's items). */
    public static List<ChatMessage> ofLines(String question, List<String> lines) {
        StringBuilder sb = new StringBuilder("Memories:\n");
        if (lines.isEmpty()) {
            sb.append("(none)\n");
        }
        for (String l : lines) {
            sb.append("- ").append(l.replace('\n', ' ')).append('\n');
        }
        sb.append("\nQuestion: ").append(question);
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(sb.toString()));
    }

    public static List<ChatMessage> of(MemoryAnswer a) {
        return of(a.getQuestion(), a.getMemories());
    }
}
