package io.memflow.jobs.bench;

import io.memflow.jobs.MemflowJob;
import io.memflow.jobs.MemflowPipeline;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.sensory.PosTokenScorer;
import io.memflow.operators.sensory.SensoryFilter;
import io.memflow.operators.sensory.SensoryFunction;
import io.memflow.operators.text.MemoryText;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.RawEvent;
import io.memflow.schemas.internal.SensoryState;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
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
 * (embeddings on unless {@code -Dmemflow.embedding.enabled=false}) read them with a bounded source;
 * each is timed from submission to the end of the job, checkpoints and commits included. (3) The
 * embedder alone then embeds, in this JVM, exactly the texts the job embeds (each kept turn's
 * speaker and full text) in the same batches (one call per closed short-term run: a user's session
 * here), so memflow / embedder says how much of the embedding-bound ceiling the job reaches.
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

    @Option(
            names = "--state",
            description =
                    "Also run the job unbounded over the same turns and report state bytes per"
                            + " user and per memory, checkpoint size and duration, and the size"
                            + " of a canonical savepoint.")
    boolean state;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description = "Any memflow.* or Flink option for the memflow job.")
    Map<String, String> properties = new LinkedHashMap<>();

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
            kafka.createTopics(topics, parallelism, conf);
            System.out.printf("producing %d turns for %d users...%n", turns, users);
            produce(kafka.bootstrapServers(), conf.get(MemflowOptions.TOPIC_TURNS));

            double passThrough = passThrough(conf);
            System.out.printf(
                    "pass-through (Kafka -> keyBy -> Kafka, exactly-once): %.0f turns/s%n",
                    passThrough);
            Configuration c = new Configuration(conf);
            properties.forEach(c::setString);
            boolean embeddings = c.get(MemflowOptions.EMBEDDING_ENABLED);
            double memflow = memflow(c);
            System.out.printf(
                    "memflow job (decode, order, sensory, short-term, consolidate, long-term;"
                            + " embeddings %s): %.0f turns/s%n",
                    embeddings ? "on" : "off", memflow);
            System.out.printf("ratio memflow / pass-through: %.2f%n", memflow / passThrough);
            if (embeddings) {
                double alone = embedderAlone(c);
                System.out.printf(
                        "embedder alone (%s, same texts and batches): %.0f turns/s%n",
                        c.get(MemflowOptions.EMBEDDING_MODEL), alone);
                System.out.printf("ratio memflow / embedder alone: %.2f%n", memflow / alone);
            }
            if (state) {
                Configuration s = new Configuration(c);
                s.set(MemflowOptions.TOPIC_MEMORY_CHANGES, "bench.state-changes");
                kafka.createTopics(List.of("bench.state-changes"), parallelism, s);
                System.out.println("measuring state (the job reads the turns again)...");
                StateFootprint.measure(s, users).print();
            }
        }
        return 0;
    }

    private void produce(String bootstrap, String topic) {
        try (TopicIo io = new TopicIo(bootstrap)) {
            for (ConversationTurn t : syntheticTurns()) {
                io.sendAsync(topic, t);
            }
            io.flush();
        }
    }

    /** The benchmark's turns: 8-27 random words each, 20 per user and session, fixed seed. */
    List<ConversationTurn> syntheticTurns() {
        Random rnd = new Random(42);
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        List<ConversationTurn> out = new ArrayList<>(turns);
        for (int i = 0; i < turns; i++) {
            int user = i % users;
            StringBuilder text = new StringBuilder();
            int len = 8 + rnd.nextInt(20);
            for (int w = 0; w < len; w++) {
                text.append(WORDS[rnd.nextInt(WORDS.length)]).append(' ');
            }
            text.append(i);
            out.add(
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
        return out;
    }

    /**
     * Embeds what the job embeds, batched as the job batches it: the sensory tier's kept turns as
     * speaker and full text, one call per user and session (a session of 20 short turns closes as
     * one short-term run, below the flush threshold). Compression runs first and is not timed.
     */
    private double embedderAlone(Configuration c) {
        SensoryFilter filter =
                new SensoryFilter(
                        c.get(MemflowOptions.RING_SIZE),
                        c.get(MemflowOptions.DUPLICATE_THRESHOLD),
                        c.get(MemflowOptions.KEEP_RATIO),
                        new PosTokenScorer());
        Map<String, SensoryState> rings = new HashMap<>();
        Map<String, List<String>> runs = new LinkedHashMap<>();
        for (ConversationTurn t : syntheticTurns()) {
            Observation o =
                    Observation.newBuilder()
                            .setId(t.getTurnId())
                            .setTenantId(t.getTenantId())
                            .setUserId(t.getUserId())
                            .setSessionId(t.getSessionId())
                            .setSource("turn")
                            .setSpeaker(t.getSpeaker())
                            .setRole("user")
                            .setText(t.getText())
                            .setEventTime(t.getEventTime().toEpochMilli())
                            .build();
            SensoryFilter.Decision d =
                    filter.process(
                            rings.computeIfAbsent(t.getUserId(), u -> SensoryFilter.emptyState()),
                            o);
            if (d.kept() != null) {
                runs.computeIfAbsent(t.getUserId() + "/" + t.getSessionId(), k -> new ArrayList<>())
                        .add(MemoryText.embedded(d.kept().getSpeaker(), d.kept().getText()));
            }
        }
        var embedder = Embedders.load(c.get(MemflowOptions.EMBEDDING_MODEL));
        embedder.embed(List.of("warm-up")); // model load is not embedding throughput
        long start = System.nanoTime();
        for (List<String> batch : runs.values()) {
            embedder.embed(batch);
        }
        return turns / ((System.nanoTime() - start) / 1e9);
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
        JobExecutionResult r = env.execute("bench-memflow");
        double perSecond = turns / ((System.nanoTime() - start) / 1e9);
        long in = count(r, SensoryFunction.ACC_TURNS_IN);
        long tokensIn = count(r, SensoryFunction.ACC_TOKENS_IN);
        System.out.printf(
                "sensory: %d of %d turns dropped, %d of %d tokens kept (%.3f)%n",
                count(r, SensoryFunction.ACC_TURNS_DROPPED),
                in,
                count(r, SensoryFunction.ACC_TOKENS_KEPT),
                tokensIn,
                tokensIn == 0
                        ? 0.0
                        : (double) count(r, SensoryFunction.ACC_TOKENS_KEPT) / tokensIn);
        return perSecond;
    }

    private static long count(JobExecutionResult r, String accumulator) {
        Object v = r.getAllAccumulatorResults().get(accumulator);
        return v instanceof Number n ? n.longValue() : 0L;
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
