package io.memflow.operators.longterm;

import io.memflow.schemas.ChangeType;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import java.time.Instant;
import java.util.List;

/**
 * Deletions that must reach Kafka's compaction. A tombstone is a record with a null value: the
 * job's streams carry only Avro records, so a tombstone travels as a marker element in the stream
 * it deletes from (the changelog or the answers), in order behind the records it must outlive, and
 * the Kafka sink writes it as a null value for the element's key. In-process consumers (eval,
 * tests) skip markers with {@link #is}.
 */
public final class Tombstones {
    /** The reason that marks a changelog element as the tombstone of its key. */
    public static final String REASON = "tombstone";

    private Tombstones() {}

    /** The tombstone that follows {@code delete} for the same key. */
    public static MemoryChange after(MemoryChange delete) {
        if (delete.getType() != ChangeType.DELETE) {
            throw new IllegalArgumentException("only a DELETE is followed by a tombstone");
        }
        return MemoryChange.newBuilder(delete)
                .setChangeId(delete.getChangeId() + ":" + REASON)
                .setRelatedMemoryIds(List.of())
                .setReason(REASON)
                .build();
    }

    public static boolean is(MemoryChange c) {
        return c.getType() == ChangeType.DELETE && REASON.equals(c.getReason());
    }

    /**
     * The tombstone of a user's answers (their key is tenant/user): a real answer always has a
     * query id, the marker has none.
     */
    public static MemoryAnswer answersOf(String tenantId, String userId, long time) {
        return MemoryAnswer.newBuilder()
                .setQueryId("")
                .setTenantId(tenantId)
                .setUserId(userId)
                .setQuestion("")
                .setQueryTime(Instant.ofEpochMilli(time))
                .setMemories(List.of())
                .build();
    }

    public static boolean is(MemoryAnswer a) {
        return a.getQueryId().isEmpty();
    }
}
