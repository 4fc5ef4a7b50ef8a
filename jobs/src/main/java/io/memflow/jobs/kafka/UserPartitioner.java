package io.memflow.jobs.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partition holds a user: Kafka's default partitioner (murmur2 of the key bytes, made
 * positive, modulo the partition count) applied to the user key {@code tenantId/userId}. The inputs
 * are keyed by that key, and the changelog, although keyed per memory ({@code
 * tenantId/userId/memoryId}, for compaction), is partitioned by it too, so every memory of a user
 * lives on one changelog partition and a {@code serve} replica can own whole users.
 */
public final class UserPartitioner {
    private UserPartitioner() {}

    /** The Kafka key of a user's inputs and the partitioning key of its memory changes. */
    public static String userKey(String tenantId, String userId) {
        return tenantId + "/" + userId;
    }

    public static int partition(String userKey, int partitions) {
        return Utils.toPositive(Utils.murmur2(userKey.getBytes(StandardCharsets.UTF_8)))
                % partitions;
    }
}
