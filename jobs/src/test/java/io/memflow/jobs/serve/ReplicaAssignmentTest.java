package io.memflow.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.jobs.kafka.UserPartitioner;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaAssignmentTest {
    @Test
    void replicasSplitThePartitionsAndEachUserHasExactlyOneHome() {
        int partitions = 6;
        ReplicaAssignment[] replicas = {
            ReplicaAssignment.replica(0, 3),
            ReplicaAssignment.replica(1, 3),
            ReplicaAssignment.replica(2, 3)
        };
        assertThat(replicas[1].select(partitions)).containsExactly(1, 4);
        Map<Integer, Integer> homes = new HashMap<>();
        for (int u = 0; u < 200; u++) {
            String user = "user-" + u;
            int owners = 0;
            for (int r = 0; r < replicas.length; r++) {
                String why = replicas[r].misdirected("acme", user, partitions);
                if (why == null) {
                    owners++;
                    homes.merge(r, 1, Integer::sum);
                } else {
                    int p = UserPartitioner.partition("acme/" + user, partitions);
                    assertThat(why)
                            .contains("partition " + p)
                            .contains("replica " + (p % 3) + " of 3");
                }
            }
            assertThat(owners).isEqualTo(1);
        }
        assertThat(homes).hasSize(3); // murmur2 spreads users over every replica
    }

    @Test
    void listedPartitionsMustExist() {
        assertThat(ReplicaAssignment.partitions(Set.of(0, 2)).select(4)).containsExactly(0, 2);
        assertThatThrownBy(() -> ReplicaAssignment.partitions(Set.of(5)).select(2))
                .hasMessageContaining("partitions 0..1");
        assertThatThrownBy(() -> ReplicaAssignment.replica(3, 4).select(2))
                .hasMessageContaining("run at most 2 replicas");
        assertThatThrownBy(() -> ReplicaAssignment.replica(2, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ReplicaAssignment.all().misdirected("t", "u", 7)).isNull();
    }

    @Test
    void theUserPartitionIsKafkasDefaultPartitionerOnTheUserKey() {
        // Kafka's BuiltInPartitioner: toPositive(murmur2(keyBytes)) % numPartitions
        byte[] key = "acme/ann".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int expected =
                org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(
                        key, 12);
        assertThat(UserPartitioner.partition("acme/ann", 12)).isEqualTo(expected);
    }
}
