package io.memflow.jobs.cli;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One {@code run} per job: a run holds membership of the consumer group {@code <group>.run-lock} on
 * the broker the job reads from, for as long as it lives.
 *
 * <p>Why on the broker and not a file beside the checkpoints: two runs of the same job (same
 * consumer group, same transactional ids) started with different state directories, or on two
 * machines, would both read every input and both answer every query; only the broker sees both. The
 * Flink Kafka source itself assigns partitions without joining its group, so its group shows no
 * members. A run that stops, even by {@code kill -9}, leaves the lock group within the session
 * timeout ({@link #SESSION_TIMEOUT}); a run starting meanwhile waits that long before refusing.
 */
final class RunLock implements AutoCloseable {
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread heartbeat;
    private final CompletableFuture<String> joined = new CompletableFuture<>();
    private volatile boolean closed;

    private RunLock(String bootstrap, String lockGroup, String clientId, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, lockGroup);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024);
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        heartbeat = new Thread(() -> hold(topic), "memflow-run-lock");
        heartbeat.setDaemon(true);
    }

    /** Polls (discarding what it reads) so the group keeps this run as a member. */
    private void hold(String topic) {
        try {
            consumer.subscribe(
                    List.of(topic),
                    new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            joined.complete(consumer.groupMetadata().memberId());
                        }
                    });
            while (!closed) {
                consumer.poll(Duration.ofMillis(500));
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            joined.completeExceptionally(e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Takes the lock of {@code group} or throws a {@link CliException} naming the run that holds
     * it.
     *
     * @param topic an existing topic the lock member subscribes to (it reads nothing of value)
     * @param uiPort this run's web UI port, shown to a second run (0: none or a free one)
     */
    static RunLock acquire(String bootstrap, String group, String topic, int uiPort)
            throws Exception {
        String lockGroup = group + ".run-lock";
        try (Admin admin = Preflight.admin(bootstrap)) {
            List<MemberDescription> holders = members(admin, lockGroup);
            // a run killed a moment ago stays a member until its session times out
            long deadline = System.nanoTime() + SESSION_TIMEOUT.plusSeconds(2).toNanos();
            while (!holders.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                holders = members(admin, lockGroup);
            }
            if (!holders.isEmpty()) {
                throw refusal(group, holders.get(0));
            }
            RunLock lock = new RunLock(bootstrap, lockGroup, clientId(uiPort), topic);
            lock.heartbeat.start();
            String me;
            try {
                me = lock.joined.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                lock.close();
                throw new CliException(
                        "could not join consumer group "
                                + lockGroup
                                + " within 30 s to take this job's run lock; is the broker"
                                + " healthy?");
            }
            // two runs that started together both joined: the member id that sorts first stays
            for (MemberDescription m : members(admin, lockGroup)) {
                if (m.consumerId().compareTo(me) < 0) {
                    lock.close();
                    throw refusal(group, m);
                }
            }
            return lock;
        }
    }

    private static CliException refusal(String group, MemberDescription holder) {
        return new CliException(
                "another run of this job (consumer group "
                        + group
                        + ") is already running: "
                        + describe(holder)
                        + ". Two runs would both read every input and both answer every query."
                        + " Stop that one first (Ctrl-C in its terminal), or start a separate job"
                        + " with its own -Dmemflow.kafka.group-id=NAME and"
                        + " -Dmemflow.kafka.transactional-id-prefix=NAME.");
    }

    /** "memflow run, process 123 on host h, web UI port 8081, connected from /10.0.0.5". */
    static String describe(MemberDescription m) {
        String id = m.clientId();
        StringBuilder s = new StringBuilder();
        String[] parts = id.split("\\.");
        // client id: memflow-run.pid<PID>.ui<PORT>.host.<HOST...>
        if (parts.length >= 4 && parts[0].equals("memflow-run")) {
            s.append("memflow run, process ").append(parts[1].substring(3));
            String host = String.join(".", List.of(parts).subList(4, parts.length));
            s.append(" on host ").append(host);
            if (!parts[2].equals("ui0")) {
                s.append(", web UI port ").append(parts[2].substring(2));
            }
        } else {
            s.append("client ").append(id);
        }
        return s.append(", connected from ").append(m.host()).toString();
    }

    static String clientId(int uiPort) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown";
        }
        return "memflow-run.pid"
                + ProcessHandle.current().pid()
                + ".ui"
                + Math.max(0, uiPort)
                + ".host."
                + host.replaceAll("[^A-Za-z0-9.-]", "-");
    }

    private static List<MemberDescription> members(Admin admin, String lockGroup) throws Exception {
        Map<String, ConsumerGroupDescription> groups;
        try {
            groups =
                    admin.describeConsumerGroups(List.of(lockGroup))
                            .all()
                            .get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return List.of();
            }
            throw e;
        }
        ConsumerGroupDescription d = groups.get(lockGroup);
        return d == null ? List.of() : List.copyOf(d.members());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        consumer.wakeup();
        try {
            heartbeat.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
