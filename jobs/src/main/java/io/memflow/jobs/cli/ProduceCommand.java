package io.memflow.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memflow.jobs.eval.Locomo;
import io.memflow.jobs.eval.LocomoRecords;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.codec.WireFormat;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Sends records from JSON Lines to a memflow topic, single-object Avro encoded, keyed by
 * tenant/user, with the event time as Kafka timestamp.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description =
                "Send turns, agent events, queries or control commands from JSON Lines, or a"
                        + " LoCoMo file.")
public class ProduceCommand implements Callable<Integer> {
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
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                conf.get(io.memflow.operators.config.MemflowOptions.BOOTSTRAP_SERVERS));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        int sent = 0;
        try (BufferedReader in = open(file);
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(
                                p, new ByteArraySerializer(), new ByteArraySerializer())) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                SpecificRecordBase record;
                try {
                    JsonNode json = JsonCodec.MAPPER.readTree(line);
                    record = JsonCodec.fromJson(withDefaults(topicName, entry, json), entry.type());
                } catch (IllegalArgumentException | com.fasterxml.jackson.core.JacksonException e) {
                    throw new CliException(file + " line " + lineNo + ": " + e.getMessage());
                }
                producer.send(
                                new ProducerRecord<>(
                                        topicName,
                                        null,
                                        io.memflow.jobs.kafka.TopicIo.timestamp(record),
                                        key(record).getBytes(StandardCharsets.UTF_8),
                                        WireFormat.encode(record)))
                        .get();
                sent++;
            }
        }
        System.err.println("sent " + sent + " record(s) to " + topicName);
        return 0;
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

    private static BufferedReader open(String file) throws Exception {
        if (file.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException("no such file: " + file);
        }
    }
}
