package io.memflow.jobs.serve;

import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.codec.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link MemoryView} up to date: reads the changelog {@code read_committed} from the
 * beginning of the partitions its {@link ReplicaAssignment} owns (all by default) and goes on
 * following them. {@link #ready()} turns true once it has caught up with the end offsets it saw at
 * start, so a fresh {@code serve} does not answer from a half-built view.
 */
public final class ChangelogFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangelogFollower.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final MemoryView view;
    private final Thread thread;
    private final Map<TopicPartition, Long> startEnd = new HashMap<>();
    private volatile boolean ready;
    private volatile boolean running = true;
    private volatile long lag;
    private final int partitionCount;
    private final java.util.Set<Integer> owned;

    public ChangelogFollower(String bootstrap, String topic, MemoryView view) {
        this(bootstrap, topic, view, ReplicaAssignment.all());
    }

    /**
     * @throws IllegalArgumentException when the assignment names partitions the topic lacks
     */
    public ChangelogFollower(
            String bootstrap, String topic, MemoryView view, ReplicaAssignment assignment) {
        this.view = view;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        // catching up is bulk reading: bigger fetches, fewer round trips
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 << 20));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
        partitionCount = infos == null ? 0 : infos.size();
        if (partitionCount == 0) {
            consumer.close();
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        try {
            owned = assignment.select(partitionCount);
        } catch (IllegalArgumentException e) {
            consumer.close();
            throw e;
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (int partition : owned) {
            tps.add(new TopicPartition(topic, partition));
        }
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        startEnd.putAll(consumer.endOffsets(tps));
        ready = startEnd.values().stream().allMatch(o -> o == 0);
        thread = new Thread(this::run, "memflow-serve-changelog");
        thread.setDaemon(true);
    }

    public ChangelogFollower start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (r.value() == null) {
                        view.tombstone(new String(r.key(), StandardCharsets.UTF_8));
                        continue;
                    }
                    try {
                        view.apply(WireFormat.decode(r.value(), MemoryChange.class));
                    } catch (WireFormatException e) {
                        LOG.warn(
                                "changelog {}@{}: {}; skipped",
                                r.partition(),
                                r.offset(),
                                e.getMessage());
                    }
                }
                long behind = 0;
                boolean caughtUp = true;
                for (TopicPartition tp : consumer.assignment()) {
                    long pos = consumer.position(tp);
                    if (pos < startEnd.getOrDefault(tp, 0L)) {
                        caughtUp = false;
                    }
                    behind += consumer.currentLag(tp).orElse(0L);
                }
                lag = behind;
                if (caughtUp && !ready) {
                    ready = true;
                    LOG.info("serve: view caught up with the changelog");
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Caught up with the changelog's end offsets as of start. */
    public boolean ready() {
        return ready;
    }

    /** Partitions of the changelog topic (all of them, not only the owned ones). */
    public int partitionCount() {
        return partitionCount;
    }

    /** The partitions this follower reads. */
    public java.util.Set<Integer> partitions() {
        return owned;
    }

    /** Records behind the end of the changelog at the last poll. */
    public long lag() {
        return lag;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5000);
    }
}
