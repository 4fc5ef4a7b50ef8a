package io.memflow.jobs.serve;

import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.ingest.InputDecoder;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.RetrievedMemory;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.internal.RawEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The memory operations of {@code serve}, once, for every front end: REST ({@link ServeApi}) and
 * the MCP tools ({@link McpTools}) parse their input, call these methods with the caller's tenant,
 * and render what comes back. Reads are answered from the {@link MemoryView} with the job's own
 * {@link Retriever}; writes become turns and control commands on Kafka, validated by the job's own
 * {@link InputDecoder} first, so a request the job would dead-letter is refused here with the same
 * reason. Reads about a user this replica does not hold fail with 421 and the replica to ask.
 */
public final class MemoryService {
    /** One message of a conversation to remember. */
    public record Message(String role, String content, @Nullable String name, Instant createdAt) {}

    /** Ids of the turns sent for an add. */
    public record Added(List<String> turnIds) {}

    private final MemoryView view;
    private final ChangelogFollower follower;
    private final ReplicaAssignment assignment;
    private final Retriever retriever;
    private final TopicIo io;
    private final InputDecoder decoder;
    private final InputDecoder.Topics topics;
    private final int defaultK;

    public MemoryService(
            MemoryView view,
            ChangelogFollower follower,
            ReplicaAssignment assignment,
            Retriever retriever,
            TopicIo io,
            InputDecoder decoder,
            InputDecoder.Topics topics,
            int defaultK) {
        this.view = view;
        this.follower = follower;
        this.assignment = assignment;
        this.retriever = retriever;
        this.io = io;
        this.decoder = decoder;
        this.topics = topics;
        this.defaultK = defaultK;
    }

    public MemoryView view() {
        return view;
    }

    public ChangelogFollower follower() {
        return follower;
    }

    /**
     * Sends the messages as turns of {@code session} (a fresh one when null); with {@code
     * consolidate}, a CONSOLIDATE_NOW right after them.
     */
    public Added add(
            String tenant,
            String user,
            @Nullable String session,
            List<Message> messages,
            boolean consolidate) {
        if (messages.isEmpty()) {
            throw new ServeError(400, "invalid", "messages must be a non-empty array");
        }
        String sessionId = session != null ? session : "serve-" + UUID.randomUUID();
        List<ConversationTurn> turns = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int i = 0;
        for (Message m : messages) {
            i++;
            String turnId = sessionId + ":" + UUID.randomUUID();
            ConversationTurn t =
                    ConversationTurn.newBuilder()
                            .setEventId(turnId)
                            .setTenantId(tenant)
                            .setUserId(user)
                            .setSessionId(sessionId)
                            .setTurnId(turnId)
                            .setSpeaker(m.name() != null ? m.name() : m.role())
                            .setRole(m.role())
                            .setText(m.content())
                            .setEventTime(m.createdAt())
                            .build();
            try {
                validate(topics.turns(), t);
            } catch (ServeError e) {
                throw new ServeError(400, "invalid", "messages[" + i + "]: " + e.getMessage());
            }
            turns.add(t);
            ids.add(turnId);
        }
        for (ConversationTurn t : turns) {
            io.sendAsync(topics.turns(), t);
        }
        if (consolidate) {
            // stamped with the newest message's time, not the wall clock: the command follows the
            // turns it flushes in the user's event time, also when they are dated in the past
            Instant newest = Instant.EPOCH;
            for (ConversationTurn t : turns) {
                newest = t.getEventTime().isAfter(newest) ? t.getEventTime() : newest;
            }
            io.sendAsync(
                    topics.control(),
                    control(tenant, user, ControlType.CONSOLIDATE_NOW, null, newest.plusMillis(1)));
        }
        io.flush();
        return new Added(List.copyOf(ids));
    }

    /** The user's memories ranked for {@code query} as of {@code at}; {@code k} null: default. */
    public List<RetrievedMemory> search(
            String tenant, String user, String query, @Nullable Integer k, Instant at) {
        validate(
                topics.queries(),
                MemoryQuery.newBuilder()
                        .setQueryId("serve")
                        .setTenantId(tenant)
                        .setUserId(user)
                        .setText(query)
                        .setQueryTime(at)
                        .setK(k)
                        .build());
        requireHere(tenant, user);
        return retriever
                .retrieve(
                        query,
                        at.toEpochMilli(),
                        view.index(tenant, user),
                        k == null ? defaultK : k)
                .memories();
    }

    /** The user's current memories (any status but deleted), in memory-id order. */
    public List<MemoryRecord> list(String tenant, String user) {
        requireHere(tenant, user);
        return view.memories(tenant, user);
    }

    /** A memory of the tenant; 404 when unknown, deleted or another tenant's. */
    public MemoryRecord get(String tenant, String memoryId) {
        MemoryRecord r = view.memory(tenant, memoryId);
        if (r == null) {
            String where =
                    follower.partitions().size() == follower.partitionCount()
                            ? ""
                            : " on this replica (" + assignment.describe() + ")";
            throw new ServeError(404, "not_found", "no memory " + memoryId + where);
        }
        return r;
    }

    /** Every version of a memory of the tenant, oldest first. */
    public List<MemoryChange> history(String tenant, String memoryId) {
        get(tenant, memoryId);
        return view.history(tenant, memoryId);
    }

    /** Sends DELETE_MEMORY for a memory of the tenant; returns the memory it targets. */
    public MemoryRecord delete(String tenant, String memoryId) {
        MemoryRecord r = get(tenant, memoryId);
        io.send(
                topics.control(),
                control(
                        tenant,
                        r.getUserId(),
                        ControlType.DELETE_MEMORY,
                        r.getMemoryId(),
                        Instant.now()));
        return r;
    }

    /** Sends FORGET_USER (accepted by any replica: it goes to Kafka). */
    public void forget(String tenant, String user) {
        io.send(
                topics.control(),
                control(tenant, user, ControlType.FORGET_USER, null, Instant.now()));
    }

    private void requireHere(String tenant, String user) {
        String elsewhere = assignment.misdirected(tenant, user, follower.partitionCount());
        if (elsewhere != null) {
            throw new ServeError(421, "wrong_replica", elsewhere);
        }
    }

    private ControlCommand control(
            String tenant, String user, ControlType type, @Nullable String memoryId, Instant at) {
        ControlCommand c =
                ControlCommand.newBuilder()
                        .setCommandId("serve-" + UUID.randomUUID())
                        .setTenantId(tenant)
                        .setUserId(user)
                        .setType(type)
                        .setIssuedAt(at)
                        .setMemoryId(memoryId)
                        .build();
        validate(topics.control(), c);
        return c;
    }

    /** Runs the job's own validation on a record bound for {@code topic}. */
    private void validate(String topic, SpecificRecordBase r) {
        InputDecoder.Result res =
                decoder.decode(
                        RawEvent.newBuilder()
                                .setTopic(topic)
                                .setPartition(0)
                                .setOffset(0)
                                .setTimestamp(System.currentTimeMillis())
                                .setValue(ByteBuffer.wrap(WireFormat.encode(r)))
                                .build(),
                        System.currentTimeMillis());
        if (res.deadLetter() != null) {
            throw new ServeError(400, "invalid", res.deadLetter().getReason().toString());
        }
    }
}
