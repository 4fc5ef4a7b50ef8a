package io.memflow.operators.ingest;

import io.memflow.schemas.AgentEvent;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.codec.WireFormatException;
import io.memflow.schemas.internal.MemoryInput;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.RawEvent;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decodes, validates and normalizes one raw Kafka record into the keyed envelope, or explains in a
 * dead letter why it can't. Pure logic: no Flink types, so every rule is unit-tested directly.
 *
 * <p>Rules: the value must be single-object Avro of the topic's record type; tenant, user and every
 * id must be non-blank; tenant and user must be made of the id alphabet ({@link #idProblem}); text
 * non-blank and at most {@code maxTextBytes} of UTF-8; event time not further than {@code
 * maxFutureSkew} past the wall clock.
 *
 * <p>A query that breaks a rule but decodes still gets an answer ({@link Result#errorAnswer}), with
 * the same reason as its dead letter: the asking agent waits for an answer to its query id, and
 * would otherwise wait forever.
 */
public final class InputDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Topic names the decoder recognises. */
    public record Topics(String turns, String agentEvents, String queries, String control)
            implements Serializable {}

    /**
     * The outcome: exactly one of input and dead letter is set; a rejected query that decoded also
     * has its error answer.
     */
    public record Result(MemoryInput input, DeadLetter deadLetter, MemoryAnswer errorAnswer) {
        public Result(MemoryInput input, DeadLetter deadLetter) {
            this(input, deadLetter, null);
        }
    }

    /** Error code of the answer to a query that was rejected. */
    public static final String INVALID_QUERY = "INVALID_QUERY";

    private final Topics topics;
    private final int maxTextBytes;
    private final long maxFutureSkewMillis;

    public InputDecoder(Topics topics, int maxTextBytes, Duration maxFutureSkew) {
        this.topics = topics;
        this.maxTextBytes = maxTextBytes;
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
    }

    /** Key of the memory tiers: tenant and user, never one without the other. */
    public static String key(String tenantId, String userId) {
        return tenantId + "|" + userId;
    }

    public Result decode(RawEvent raw, long nowMillis) {
        byte[] value = bytes(raw.getValue());
        try {
            String topic = raw.getTopic();
            List<String> problems = new ArrayList<>();
            MemoryInput input;
            if (topic.equals(topics.turns())) {
                ConversationTurn t = WireFormat.decode(value, ConversationTurn.class);
                checkIds(problems, t.getTenantId(), t.getUserId(), "eventId", t.getEventId());
                checkId(problems, "sessionId", t.getSessionId());
                checkId(problems, "turnId", t.getTurnId());
                checkId(problems, "speaker", t.getSpeaker());
                checkText(problems, t.getText());
                checkTime(problems, t.getEventTime().toEpochMilli(), nowMillis);
                input = problems.isEmpty() ? envelope(normalize(t)) : null;
            } else if (topic.equals(topics.agentEvents())) {
                AgentEvent e = WireFormat.decode(value, AgentEvent.class);
                checkIds(problems, e.getTenantId(), e.getUserId(), "eventId", e.getEventId());
                checkId(problems, "sessionId", e.getSessionId());
                checkId(problems, "agentId", e.getAgentId());
                checkText(problems, e.getText());
                checkTime(problems, e.getEventTime().toEpochMilli(), nowMillis);
                input = problems.isEmpty() ? envelope(normalize(e)) : null;
            } else if (topic.equals(topics.queries())) {
                MemoryQuery q = WireFormat.decode(value, MemoryQuery.class);
                checkIds(problems, q.getTenantId(), q.getUserId(), "queryId", q.getQueryId());
                checkText(problems, q.getText());
                checkTime(problems, q.getQueryTime().toEpochMilli(), nowMillis);
                if (q.getK() != null && (q.getK() < 1 || q.getK() > 1000)) {
                    problems.add("k must be between 1 and 1000, was " + q.getK());
                }
                input =
                        problems.isEmpty()
                                ? base(
                                                q.getTenantId(),
                                                q.getUserId(),
                                                q.getQueryTime().toEpochMilli())
                                        .setQuery(q)
                                        .build()
                                : null;
            } else if (topic.equals(topics.control())) {
                ControlCommand c = WireFormat.decode(value, ControlCommand.class);
                checkIds(problems, c.getTenantId(), c.getUserId(), "commandId", c.getCommandId());
                checkTime(problems, c.getIssuedAt().toEpochMilli(), nowMillis);
                checkControl(problems, c);
                input =
                        problems.isEmpty()
                                ? base(
                                                c.getTenantId(),
                                                c.getUserId(),
                                                c.getIssuedAt().toEpochMilli())
                                        .setControl(c)
                                        .build()
                                : null;
            } else {
                return dead(raw, "INVALID", "topic " + topic + " is not an input of memflow");
            }
            if (!problems.isEmpty()) {
                String reason = String.join("; ", problems);
                Result dead = dead(raw, "INVALID", reason);
                if (topic.equals(topics.queries())) {
                    MemoryQuery q = WireFormat.decode(value, MemoryQuery.class);
                    return new Result(null, dead.deadLetter(), errorAnswer(q, reason));
                }
                return dead;
            }
            return new Result(input, null);
        } catch (WireFormatException e) {
            return dead(raw, e.kind().name(), e.getMessage());
        }
    }

    static Observation normalize(ConversationTurn t) {
        String text = t.getText().strip();
        if (t.getImageCaption() != null && !t.getImageCaption().isBlank()) {
            text = text + " [shares: " + t.getImageCaption().strip() + "]";
        }
        return Observation.newBuilder()
                .setId(t.getTurnId())
                .setTenantId(t.getTenantId())
                .setUserId(t.getUserId())
                .setSessionId(t.getSessionId())
                .setSource("turn")
                .setSpeaker(t.getSpeaker())
                .setRole(t.getRole() == null ? "user" : t.getRole())
                .setText(text)
                .setEventTime(t.getEventTime().toEpochMilli())
                .build();
    }

    static Observation normalize(AgentEvent e) {
        String kind = e.getType().name().toLowerCase(Locale.ROOT);
        String who = e.getName() == null ? e.getAgentId() : e.getAgentId() + "/" + e.getName();
        String role =
                switch (e.getType()) {
                    case TOOL_CALL, TOOL_RESULT -> "tool";
                    default -> "agent";
                };
        return Observation.newBuilder()
                .setId(e.getEventId())
                .setTenantId(e.getTenantId())
                .setUserId(e.getUserId())
                .setSessionId(e.getSessionId())
                .setSource(kind)
                .setSpeaker(who)
                .setRole(role)
                .setText(kind.replace('_', ' ') + ": " + e.getText().strip())
                .setEventTime(e.getEventTime().toEpochMilli())
                .build();
    }

    private static MemoryInput envelope(Observation o) {
        return base(o.getTenantId(), o.getUserId(), o.getEventTime()).setObservation(o).build();
    }

    private static MemoryInput.Builder base(String tenant, String user, long time) {
        return MemoryInput.newBuilder()
                .setKey(key(tenant, user))
                .setTenantId(tenant)
                .setUserId(user)
                .setEventTime(time)
                .setCandidates(List.of())
                .setPending(List.of());
    }

    /** The answer to a query that was rejected: no memories, the reason as error message. */
    static MemoryAnswer errorAnswer(MemoryQuery q, String reason) {
        return MemoryAnswer.newBuilder()
                .setQueryId(q.getQueryId() == null ? "" : q.getQueryId())
                .setTenantId(q.getTenantId() == null ? "" : q.getTenantId())
                .setUserId(q.getUserId() == null ? "" : q.getUserId())
                .setQuestion(q.getText() == null ? "" : q.getText())
                .setQueryTime(q.getQueryTime())
                .setMemories(List.of())
                .setErrorCode(INVALID_QUERY)
                .setErrorMessage(reason)
                .build();
    }

    private static void checkIds(
            List<String> problems, String tenant, String user, String idName, String id) {
        checkId(problems, "tenantId", tenant);
        checkId(problems, "userId", user);
        checkId(problems, idName, id);
        String t = idProblem("tenantId", tenant);
        if (t != null) {
            problems.add(t);
        }
        String u = idProblem("userId", user);
        if (u != null) {
            problems.add(u);
        }
    }

    /**
     * The id alphabet of tenant and user ids: any character except '/' and '|' (the separators of
     * the topic keys {@code tenant/user[/memoryId]} and the state key {@code tenant|user}) and
     * control characters. With both separators excluded from both parts, no two (tenant, user)
     * pairs map to one key on any topic or in state; escaping was not chosen because every consumer
     * of the topics would have to unescape.
     *
     * @return what is wrong with {@code value}, or null if it is a valid id (or blank, which is
     *     reported separately)
     */
    public static String idProblem(String name, String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '/' || ch == '|' || Character.isISOControl(ch)) {
                String shown =
                        Character.isISOControl(ch)
                                ? String.format("\\u%04x", (int) ch)
                                : "'" + ch + "'";
                return name
                        + " must not contain "
                        + shown
                        + " ('/' and '|' separate tenant and user in keys), was \""
                        + value
                        + "\"";
            }
        }
        return null;
    }

    /**
     * What each command needs; a command this version does not handle is refused here, so no tier
     * ever sees it (each tier's switch leaves state alone for it anyway).
     */
    private static void checkControl(List<String> problems, ControlCommand c) {
        switch (c.getType()) {
            case FORGET_USER, CONSOLIDATE_NOW -> {
                if (c.getMemoryId() != null) {
                    problems.add("memoryId is only for DELETE_MEMORY, not " + c.getType());
                }
            }
            case DELETE_MEMORY -> checkId(problems, "memoryId", c.getMemoryId());
            default ->
                    problems.add("control type " + c.getType() + " is not handled by this version");
        }
    }

    private static void checkId(List<String> problems, String name, String value) {
        if (value == null || value.isBlank()) {
            problems.add(name + " is missing");
        }
    }

    private void checkText(List<String> problems, String text) {
        if (text == null || text.isBlank()) {
            problems.add("text is empty");
            return;
        }
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxTextBytes) {
            problems.add(
                    "text is "
                            + bytes
                            + " bytes, more than memflow.validation.max-text-bytes="
                            + maxTextBytes);
        }
    }

    private void checkTime(List<String> problems, long eventTime, long now) {
        if (eventTime > now + maxFutureSkewMillis) {
            problems.add(
                    "event time "
                            + java.time.Instant.ofEpochMilli(eventTime)
                            + " is in the future (more than memflow.validation.max-future-skew="
                            + Duration.ofMillis(maxFutureSkewMillis)
                            + " past now)");
        }
        if (eventTime <= 0) {
            problems.add("event time is missing or before 1970");
        }
    }

    private static Result dead(RawEvent raw, String type, String reason) {
        return new Result(
                null,
                DeadLetter.newBuilder()
                        .setSourceTopic(raw.getTopic())
                        .setSourcePartition(raw.getPartition())
                        .setSourceOffset(raw.getOffset())
                        .setSourceTimestamp(java.time.Instant.ofEpochMilli(raw.getTimestamp()))
                        .setRawKey(raw.getKey())
                        .setRawValue(raw.getValue())
                        .setErrorType(type)
                        .setReason(reason)
                        .build());
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
