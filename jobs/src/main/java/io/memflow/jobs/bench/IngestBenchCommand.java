package io.memflow.jobs.bench;

import io.memflow.jobs.MemflowJob;
import io.memflow.jobs.MemflowPipeline;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.internal.RawEvent;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End-to-end ingest throughput: N synthetic turns for U users are produced to an in-process broker
 * first, then (1) a pass-through job (Kafka → keyBy → Kafka, exactly-once) and (2) the memflow job
 * read them with a bounded source; each is timed from submission to the end of the job, checkpoints
 * and commits included. The ratio memflow / pass-through is the measure.
 */
@Command(
        name = "bench-ingest",
        mixinStandardHelpOptions = true,
        description = "Measure the job's ingest throughput against a pass-through Flink job.")
public class IngestBenchCommand implements Callable<Integer> {
    @Option(
            names = "--turns",
            defaultValue = "20000",
            description = "Turns to ingest (default: ${DEFAULT-VALUE}).")
    int turns;

    @Option(
            names = "--users",
            defaultValue = "50",
            description = "Distinct users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--parallelism",
            defaultValue = "2",
            description = "Job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    private static final String[] WORDS =
            ("we talked about the trip to Lisbon and my sister Lena who lives in Chicago "
                            + "I started a new job as a data analyst my dog Pepper loves the park near the river on Sundays "
                            + "the concert was amazing and I bought tickets for July we moved to Seattle in April")
                    .split(" ");

    @Override
    public Integer call() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            Configuration conf =
                    MemflowJob.localDefaults(
                            Files.createTempDirectory("memflow-bench").toUri().toString());
            conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
            conf.set(MemflowOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            List<String> topics = new java.util.ArrayList<>(KafkaEndpoints.inputTopics(conf));
            topics.addAll(KafkaEndpoints.outputTopics(conf));
            topics.add("bench.passthrough");
            kafka.createTopics(topics, parallelism, conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES));
            System.out.printf("producing %d turns for %d users...%n", turns, users);
            produce(kafka.bootstrapServers(), conf.get(MemflowOptions.TOPIC_TURNS));

            double passThrough = passThrough(conf);
            System.out.printf(
                    "pass-through (Kafka -> keyBy -> Kafka, exactly-once): %.0f turns/s%n",
                    passThrough);
            double memflow = memflow(conf);
            System.out.printf(
                    "memflow job (decode, order, sensory, short-term, consolidate, long-term): %.0f turns/s%n",
                    memflow);
            System.out.printf("ratio memflow / pass-through: %.2f%n", memflow / passThrough);
        }
        return 0;
    }

    private void produce(String bootstrap, String topic) {
        Random rnd = new Random(42);
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        try (TopicIo io = new TopicIo(bootstrap)) {
            for (int i = 0; i < turns; i++) {
                int user = i % users;
                StringBuilder text = new StringBuilder();
                int len = 8 + rnd.nextInt(20);
                for (int w = 0; w < len; w++) {
                    text.append(WORDS[rnd.nextInt(WORDS.length)]).append(' ');
                }
                text.append(i);
                io.sendAsync(
                        topic,
                        ConversationTurn.newBuilder()
                                .setEventId("e" + i)
                                .setTenantId("bench")
                                .setUserId("u" + user)
                                .setSessionId("s" + (i / (users * 20)))
                                .setTurnId("D" + i)
                                .setSpeaker("User" + user)
                                .setText(text.toString())
                                .setEventTime(t0.plusSeconds(60L * (i / users)))
                                .build());
            }
            io.flush();
        }
    }

    private double passThrough(Configuration conf) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        KafkaSink<RawEvent> sink =
                KafkaSink.<RawEvent>builder()
                        .setBootstrapServers(conf.get(MemflowOptions.BOOTSTRAP_SERVERS))
                        .setRecordSerializer(new PassThroughSerializer())
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix("bench-passthrough")
                        .setProperty("transaction.timeout.ms", "300000")
                        .build();
        env.fromSource(
                        KafkaEndpoints.source(conf, true),
                        WatermarkStrategy.noWatermarks(),
                        "source")
                .uid("bench-source")
                .keyBy(new RawKey())
                .map(r -> r)
                .returns(new AvroTypeInfo<>(RawEvent.class))
                .uid("bench-identity")
                .sinkTo(sink)
                .uid("bench-sink");
        long start = System.nanoTime();
        env.execute("bench-passthrough");
        return turns / ((System.nanoTime() - start) / 1e9);
    }

    private double memflow(Configuration conf) throws Exception {
        Configuration c = new Configuration(conf);
        c.set(MemflowOptions.GROUP_ID, "memflow-bench");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        MemflowPipeline.build(
                env,
                c,
                KafkaEndpoints.source(c, true),
                KafkaEndpoints.changesSink(c),
                KafkaEndpoints.answersSink(c),
                KafkaEndpoints.deadLetterSink(c),
                null);
        long start = System.nanoTime();
        env.execute("bench-memflow");
        return turns / ((System.nanoTime() - start) / 1e9);
    }

    /** Key of the pass-through job: the Kafka record key (tenant/user). */
    static final class RawKey implements KeySelector<RawEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(RawEvent r) {
            ByteBuffer k = r.getKey().duplicate();
            byte[] b = new byte[k.remaining()];
            k.get(b);
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Writes the raw bytes back unchanged. */
    static final class PassThroughSerializer implements KafkaRecordSerializationSchema<RawEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public ProducerRecord<byte[], byte[]> serialize(RawEvent r, KafkaSinkContext ctx, Long ts) {
            return new ProducerRecord<>(
                    "bench.passthrough",
                    null,
                    r.getTimestamp(),
                    bytes(r.getKey()),
                    bytes(r.getValue()));
        }

        private static byte[] bytes(ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] out = new byte[d.remaining()];
            d.get(out);
            return out;
        }
    }
}
