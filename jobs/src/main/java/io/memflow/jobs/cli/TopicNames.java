package io.memflow.jobs.cli;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.AgentEvent;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.configuration.ConfigOption;

/** Short topic names accepted by the CLI ("turns", "memory-changes", ...) and their records. */
final class TopicNames {
    record Entry(ConfigOption<String> option, Class<? extends SpecificRecordBase> type) {}

    static final Map<String, Entry> BY_SHORT_NAME = new LinkedHashMap<>();

    static {
        BY_SHORT_NAME.put("turns", new Entry(MemflowOptions.TOPIC_TURNS, ConversationTurn.class));
        BY_SHORT_NAME.put(
                "agent-events", new Entry(MemflowOptions.TOPIC_AGENT_EVENTS, AgentEvent.class));
        BY_SHORT_NAME.put("queries", new Entry(MemflowOptions.TOPIC_QUERIES, MemoryQuery.class));
        BY_SHORT_NAME.put("control", new Entry(MemflowOptions.TOPIC_CONTROL, ControlCommand.class));
        BY_SHORT_NAME.put(
                "memory-changes",
                new Entry(MemflowOptions.TOPIC_MEMORY_CHANGES, MemoryChange.class));
        BY_SHORT_NAME.put("answers", new Entry(MemflowOptions.TOPIC_ANSWERS, MemoryAnswer.class));
        BY_SHORT_NAME.put(
                "dead-letters", new Entry(MemflowOptions.TOPIC_DEAD_LETTERS, DeadLetter.class));
    }

    private TopicNames() {}

    /** Resolves "turns" or "memflow.turns" (or a configured name) to its entry. */
    static Entry resolve(String name, org.apache.flink.configuration.ReadableConfig conf) {
        String shortName = name.startsWith("memflow.") ? name.substring("memflow.".length()) : name;
        Entry e = BY_SHORT_NAME.get(shortName);
        if (e != null) {
            return e;
        }
        for (Entry x : BY_SHORT_NAME.values()) {
            if (conf.get(x.option()).equals(name)) {
                return x;
            }
        }
        throw new CliException(
                "unknown topic '"
                        + name
                        + "'; use one of "
                        + String.join(", ", BY_SHORT_NAME.keySet()));
    }
}
