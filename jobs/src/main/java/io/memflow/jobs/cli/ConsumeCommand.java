package io.memflow.jobs.cli;

import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.codec.WireFormatException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints a memflow topic as JSON Lines, reading only committed records. */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description = "Print any memflow topic decoded, one JSON object per line.")
public class ConsumeCommand implements Callable<Integer> {
    @Mixin ConfigMixin config;

    @Option(
            names = {"-t", "--topic"},
            required = true,
            description =
                    "turns, agent-events, queries, control, memory-changes, answers or dead-letters.")
    String topic;

    @Option(names = "--max", description = "Stop after this many records.", defaultValue = "-1")
    long max;

    @Option(
            names = "--follow",
            description =
                    "Keep waiting for new records (Ctrl-C to stop) instead of stopping when idle.")
    boolean follow;

    @Option(
            names = "--idle-timeout",
            description =
                    "Without --follow, stop after this long without a record (default: ${DEFAULT-VALUE}).",
            defaultValue = "PT5S")
    Duration idleTimeout;

    @Override
    public Integer call() {
        Configuration conf = config.configuration(new Configuration());
        TopicNames.Entry entry = TopicNames.resolve(topic, conf);
        String topicName = conf.get(entry.option());
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(MemflowOptions.BOOTSTRAP_SERVERS));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> parts = consumer.partitionsFor(topicName, Duration.ofSeconds(15));
            if (parts == null || parts.isEmpty()) {
                throw new CliException(
                        "topic "
                                + topicName
                                + " does not exist on "
                                + conf.get(MemflowOptions.BOOTSTRAP_SERVERS));
            }
            List<TopicPartition> tps = new ArrayList<>();
            parts.forEach(pi -> tps.add(new TopicPartition(topicName, pi.partition())));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            return print(consumer, entry, System.out);
        }
    }

    private int print(
            KafkaConsumer<byte[], byte[]> consumer, TopicNames.Entry entry, PrintStream out) {
        long count = 0;
        long idleSince = System.nanoTime();
        while (max < 0 || count < max) {
            var records = consumer.poll(Duration.ofMillis(500));
            if (records.isEmpty()) {
                if (!follow && System.nanoTime() - idleSince > idleTimeout.toNanos()) {
                    break;
                }
                continue;
            }
            idleSince = System.nanoTime();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                out.println(line(r, entry));
                if (max >= 0 && ++count >= max) {
                    break;
                }
            }
            out.flush();
        }
        return 0;
    }

    static String line(ConsumerRecord<byte[], byte[]> r, TopicNames.Entry entry) {
        if (r.value() == null) {
            // a tombstone: compaction removes the key (a deleted memory, a forgotten user)
            var o = JsonCodec.MAPPER.createObjectNode();
            o.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
            o.put("tombstone", true);
            return o.toString();
        }
        try {
            SpecificRecordBase rec = WireFormat.decode(r.value(), entry.type());
            return JsonCodec.toJson(rec).toString();
        } catch (WireFormatException e) {
            var o = JsonCodec.MAPPER.createObjectNode();
            o.put("partition", r.partition());
            o.put("offset", r.offset());
            o.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
            o.put("error", e.getMessage());
            return o.toString();
        }
    }
}
