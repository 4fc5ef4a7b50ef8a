package io.memflow.jobs.serve;

import io.memflow.jobs.kafka.UserPartitioner;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;

/**
 * Which changelog partitions a {@code serve} replica holds, and so which users it answers for. A
 * user lives on partition {@link UserPartitioner#partition} of its key {@code tenantId/userId};
 * with {@code --replica i --replicas n} replica {@code i} owns the partitions {@code p} with {@code
 * p % n == i}, with {@code --partitions} exactly the listed ones, and by default all of them.
 */
public final class ReplicaAssignment {
    @Nullable private final Set<Integer> listed;
    private final int replica;
    private final int replicas;

    private ReplicaAssignment(@Nullable Set<Integer> listed, int replica, int replicas) {
        this.listed = listed;
        this.replica = replica;
        this.replicas = replicas;
    }

    /** Every partition (simple mode). */
    public static ReplicaAssignment all() {
        return new ReplicaAssignment(null, 0, 1);
    }

    /** Exactly these partitions. */
    public static ReplicaAssignment partitions(Set<Integer> partitions) {
        if (partitions.isEmpty() || partitions.stream().anyMatch(p -> p < 0)) {
            throw new IllegalArgumentException(
                    "--partitions needs partition numbers >= 0, got " + partitions);
        }
        return new ReplicaAssignment(Set.copyOf(partitions), 0, 0);
    }

    /** Replica {@code i} of {@code n}: the partitions {@code p % n == i}. */
    public static ReplicaAssignment replica(int i, int n) {
        if (n < 1 || i < 0 || i >= n) {
            throw new IllegalArgumentException(
                    "--replica must be in [0, --replicas), got " + i + " of " + n);
        }
        return new ReplicaAssignment(null, i, n);
    }

    /** The partitions to read out of {@code partitionCount}; fails when none or unknown ones. */
    public Set<Integer> select(int partitionCount) {
        Set<Integer> out = new TreeSet<>();
        for (int p = 0; p < partitionCount; p++) {
            if (owns(p)) {
                out.add(p);
            }
        }
        if (listed != null && !out.containsAll(listed)) {
            throw new IllegalArgumentException(
                    "--partitions "
                            + new TreeSet<>(listed)
                            + ": the changelog has partitions 0.."
                            + (partitionCount - 1));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    "replica "
                            + replica
                            + " of "
                            + replicas
                            + " owns none of the changelog's "
                            + partitionCount
                            + " partitions; run at most "
                            + partitionCount
                            + " replicas");
        }
        return out;
    }

    private boolean owns(int partition) {
        return listed != null ? listed.contains(partition) : partition % replicas == replica;
    }

    /**
     * Null when this replica holds the user, else why not and where it is: the partition, and with
     * {@code --replicas} the replica that owns it.
     */
    @Nullable
    public String misdirected(String tenantId, String userId, int partitionCount) {
        int p =
                UserPartitioner.partition(
                        UserPartitioner.userKey(tenantId, userId), partitionCount);
        if (owns(p)) {
            return null;
        }
        String where =
                listed != null
                        ? "the replica serving partition " + p
                        : "replica " + (p % replicas) + " of " + replicas;
        return "user "
                + userId
                + " lives on changelog partition "
                + p
                + ", not held by this replica ("
                + describe()
                + "); ask "
                + where;
    }

    public String describe() {
        if (listed != null) {
            return "partitions " + new TreeSet<>(listed);
        }
        return replicas == 1 ? "all partitions" : "replica " + replica + " of " + replicas;
    }
}
