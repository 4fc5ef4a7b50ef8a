package io.memflow.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memflow.jobs.eval.Locomo;
import io.memflow.jobs.eval.LocomoRecords;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.ingest.InputDecoder;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryQuery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Sends records from JSON Lines to a memflow topic, single-object Avro encoded, keyed by
 * tenant/user, with the event time as Kafka timestamp. All or nothing: the whole input is checked
 * first ({@link JsonLines}: UTF-8, JSON, the schema's types, size, the job's own validation) and
 * every bad line is listed with its number; then all records go in one Kafka transaction.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description =
                "Send turns, agent events, queries or control commands from JSON Lines, or a"
                        + " LoCoMo file.")
public class ProduceCommand implements Callable<Integer> {
    /** The producer's max.request.size; a record larger than one request is refused up front. */
    static final int MAX_REQUEST_BYTES = 1024 * 1024;

    /** Bad lines listed at most; the count of the rest follows. */
    static final int MAX_REPORTED = 50;

    @Mixin ConfigMixin config;

    @Option(
            names = {"-t", "--topic"},
            description =
                    "turns, agent-events, queries or control (or a full topic name); not with"
                            + " --locomo.")
    String topic;

    @Option(
            names = "--locomo",
            description =
                    "A LoCoMo JSON file: sends every turn (dia_id as turnId, image caption,"
                            + " session date) to the turns topic and every question to the"
                            + " queries topic, one user per conversation.")
    java.nio.file.Path locomo;

    @Option(
            names = "--tenant",
            defaultValue = "locomo",
            description = "Tenant of the LoCoMo users (default: ${DEFAULT-VALUE}).")
    String tenant;

    @Option(
            names = "--k",
            defaultValue = "10",
            description = "k of the LoCoMo questions (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(
            names = "--skip-invalid",
            description =
                    "Send the good lines even if some are bad (each bad line is still listed)."
                            + " Without it, one bad line means nothing is sent.")
    boolean skipInvalid;

    @Option(
            names = {"-f", "--file"},
            defaultValue = "-",
            description = "JSON Lines file, one record per line; '-' reads standard input.")
    String file;

    @Override
    public Integer call() throws Exception {
        Configuration conf = config.configuration(new Configuration());
        if (locomo != null) {
            return produceLocomo(conf);
        }
        if (topic == null) {
            throw new CliException("say where to send: --topic turns|queries|... or --locomo FILE");
        }
        TopicNames.Entry entry = TopicNames.resolve(topic, conf);
        String topicName = conf.get(entry.option());
        byte[] input = read(file);
        InputDecoder decoder =
                new InputDecoder(
                        new InputDecoder.Topics(
                                conf.get(MemflowOptions.TOPIC_TURNS),
                                conf.get(MemflowOptions.TOPIC_AGENT_EVENTS),
                                conf.get(MemflowOptions.TOPIC_QUERIES),
                                conf.get(MemflowOptions.TOPIC_CONTROL)),
                        conf.get(MemflowOptions.MAX_TEXT_BYTES),
                        conf.get(MemflowOptions.MAX_FUTURE_SKEW));
        JsonLines.Result checked =
                JsonLines.check(
                        input,
                        entry,
                        topicName,
                        decoder,
                        MAX_REQUEST_BYTES,
                        System.currentTimeMillis());
        if (!checked.bad().isEmpty()) {
            StringBuilder msg = new StringBuilder();
            int shown = 0;
            for (JsonLines.Bad b : checked.bad()) {
                if (shown++ == MAX_REPORTED) {
                    msg.append(
                            String.format(
                                    "... and %d more%n", checked.bad().size() - MAX_REPORTED));
                    break;
                }
                msg.append(String.format("%s line %d: %s%n", file, b.line(), b.reason()));
            }
            if (!skipInvalid) {
                throw new CliException(
                        msg
                                + "nothing was sent: "
                                + checked.bad().size()
                                + " bad line(s) of "
                                + (checked.bad().size() + checked.good().size())
                                + ". Fix them, or pass --skip-invalid to send the "
                                + checked.good().size()
                                + " good one(s).");
            }
            System.err.print(msg);
            System.err.println(
                    "skipping " + checked.bad().size() + " bad line(s) (--skip-invalid)");
        }
        long start = System.nanoTime();
        int sent = send(conf, topicName, checked.good());
        double seconds = (System.nanoTime() - start) / 1e9;
        System.err.printf(
                "sent %d record(s) to %s in one transaction (%.0f records/s)%n",
                sent, topicName, sent / Math.max(seconds, 1e-3));
        return 0;
    }

    /**
     * Sends every record in one Kafka transaction: asynchronous batched sends, one commit at the
     * end; readers of the input topics ({@code read_committed}, as the job's source) see all of
     * them or, if anything fails, none.
     */
    private static int send(Configuration conf, String topicName, List<JsonLines.Good> records) {
        if (records.isEmpty()) {
            return 0;
        }
        String bootstrap = conf.get(MemflowOptions.BOOTSTRAP_SERVERS);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "memflow-produce-" + UUID.randomUUID());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_REQUEST_BYTES));
        AtomicReference<Exception> failed = new AtomicReference<>();
        Progress bar = new Progress(records.size());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            try {
                producer.initTransactions();
            } catch (KafkaException e) {
                throw new CliException(
                        "cannot reach Kafka at "
                                + bootstrap
                                + " ("
                                + e.getMessage()
                                + "): is it running? Nothing was sent.");
            }
            producer.beginTransaction();
            for (JsonLines.Good r : records) {
                producer.send(
                        new ProducerRecord<>(
                                topicName,
                                null,
                                r.timestamp(),
                                r.key().getBytes(StandardCharsets.UTF_8),
                                r.value()),
                        (md, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            } else {
                                bar.step();
                            }
                        });
                if (failed.get() != null) {
                    break;
                }
            }
            producer.flush();
            if (failed.get() != null) {
                producer.abortTransaction();
                throw new CliException(
                        "nothing was sent (the transaction was aborted): "
                                + failed.get().getMessage());
            }
            producer.commitTransaction();
        } catch (KafkaException e) {
            throw new CliException(
                    "nothing was sent to "
                            + topicName
                            + " at "
                            + bootstrap
                            + ": "
                            + e.getMessage());
        } finally {
            bar.done();
        }
        return records.size();
    }

    /** A progress bar on standard error, redrawn every 2%. */
    private static final class Progress {
        private final int total;
        private final java.util.concurrent.atomic.AtomicInteger done =
                new java.util.concurrent.atomic.AtomicInteger();
        private final boolean draw;

        Progress(int total) {
            this.total = total;
            this.draw = total >= 1000;
        }

        void step() {
            int n = done.incrementAndGet();
            if (draw && (n == total || n % Math.max(1, total / 50) == 0)) {
                int w = 30 * n / total;
                System.err.printf(
                        "\rsending [%s%s] %d/%d", "#".repeat(w), " ".repeat(30 - w), n, total);
            }
        }

        void done() {
            if (draw) {
                System.err.println();
            }
        }
    }

    private int produceLocomo(Configuration conf) throws Exception {
        List<Locomo.Conversation> convs = Locomo.read(locomo);
        int turns = 0;
        int queries = 0;
        try (TopicIo out = new TopicIo(conf.get(MemflowOptions.BOOTSTRAP_SERVERS))) {
            for (Locomo.Conversation c : convs) {
                for (ConversationTurn t : LocomoRecords.turns(tenant, c)) {
                    out.sendAsync(conf.get(MemflowOptions.TOPIC_TURNS), t);
                    turns++;
                }
            }
            for (Locomo.Conversation c : convs) {
                for (MemoryQuery q : LocomoRecords.queries(tenant, c, k)) {
                    out.sendAsync(conf.get(MemflowOptions.TOPIC_QUERIES), q);
                    queries++;
                }
            }
            out.flush();
        }
        System.err.printf(
                "sent %d turn(s) and %d question(s) of %d conversation(s) from %s%n",
                turns, queries, convs.size(), locomo);
        return 0;
    }

    /** Fills ids that a person typing JSON should not have to invent. */
    static JsonNode withDefaults(String topicName, TopicNames.Entry entry, JsonNode json) {
        if (!json.isObject()) {
            throw new IllegalArgumentException("each line must be a JSON object");
        }
        ObjectNode o = ((ObjectNode) json).deepCopy();
        String type = entry.type().getSimpleName();
        if (type.equals("ConversationTurn") && !o.has("eventId") && !o.hasNonNull("turnId")) {
            // eventId is derived from turnId: name the field the user has to add
            throw new IllegalArgumentException("ConversationTurn.turnId is required");
        }
        if (type.equals("ConversationTurn") && !o.has("eventId") && o.has("turnId")) {
            o.put(
                    "eventId",
                    o.path("tenantId").asText()
                            + "/"
                            + o.path("userId").asText()
                            + "/"
                            + o.get("turnId").asText());
        }
        if (type.equals("ConversationTurn") && !o.has("sessionId")) {
            o.put("sessionId", "default");
        }
        if (type.equals("MemoryQuery") && !o.has("queryTime")) {
            o.put("queryTime", Instant.now().toString());
        }
        if (type.equals("ControlCommand") && !o.has("issuedAt")) {
            o.put("issuedAt", Instant.now().toString());
        }
        if (type.equals("ControlCommand") && !o.has("commandId")) {
            o.put("commandId", java.util.UUID.randomUUID().toString());
        }
        return o;
    }

    static String key(SpecificRecordBase r) {
        Object tenant = r.get("tenantId");
        Object user = r.get("userId");
        return tenant + "/" + user;
    }

    private static byte[] read(String file) throws Exception {
        if (file.equals("-")) {
            return System.in.readAllBytes();
        }
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CliException("no such file: " + file);
        }
    }
}
