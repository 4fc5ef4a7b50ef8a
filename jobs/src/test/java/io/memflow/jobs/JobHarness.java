package io.memflow.jobs;

import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.internal.MemoryInput;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Topics, configuration and inputs for one job run in the integration tests. */
final class JobHarness {
    final String prefix;
    final Configuration conf;
    final EmbeddedKafka kafka;

    JobHarness(EmbeddedKafka kafka, String prefix, Path checkpoints) throws Exception {
        this(kafka, prefix, checkpoints, Map.of());
    }

    /**
     * @param topicOverrides extra topic configs by the option naming the topic
     */
    JobHarness(
            EmbeddedKafka kafka,
            String prefix,
            Path checkpoints,
            Map<ConfigOption<String>, Map<String, String>> topicOverrides)
            throws Exception {
        this.kafka = kafka;
        this.prefix = prefix;
        conf = MemflowJob.localDefaults(checkpoints.toUri().toString());
        conf.set(
                org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL,
                Duration.ofMillis(500));
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 2);
        conf.set(MemflowOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(MemflowOptions.GROUP_ID, prefix);
        conf.set(MemflowOptions.TRANSACTIONAL_ID_PREFIX, prefix);
        conf.set(MemflowOptions.QUIET_RELEASE, Duration.ofMillis(500));
        for (var opt :
                List.of(
                        MemflowOptions.TOPIC_TURNS,
                        MemflowOptions.TOPIC_AGENT_EVENTS,
                        MemflowOptions.TOPIC_QUERIES,
                        MemflowOptions.TOPIC_CONTROL,
                        MemflowOptions.TOPIC_MEMORY_CHANGES,
                        MemflowOptions.TOPIC_ANSWERS,
                        MemflowOptions.TOPIC_DEAD_LETTERS)) {
            conf.set(opt, prefix + "." + opt.defaultValue());
        }
        List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(conf));
        topics.addAll(KafkaEndpoints.outputTopics(conf));
        Map<String, Map<String, String>> overrides = new HashMap<>();
        topicOverrides.forEach((o, c) -> overrides.put(conf.get(o), c));
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), topics, 2, conf, overrides);
    }

    JobClient start(MapFunction<MemoryInput, MemoryInput> tap) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MemflowPipeline.build(
                env,
                conf,
                KafkaEndpoints.source(conf, false),
                KafkaEndpoints.changesSink(conf),
                KafkaEndpoints.answersSink(conf),
                KafkaEndpoints.deadLetterSink(conf),
                tap);
        return env.executeAsync(prefix);
    }

    /**
     * Waits until the job has written its first change. Inputs sent on other topics before the
     * job's source has started reading every split could otherwise arrive behind a watermark that
     * an idle split let advance, and be processed late; real clients face the same start-up window,
     * tests should not race it.
     */
    void awaitFirstChange(TopicIo io) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline
                && io.readAll(
                                topic(MemflowOptions.TOPIC_MEMORY_CHANGES),
                                io.memflow.schemas.MemoryChange.class,
                                Duration.ofMillis(300))
                        .isEmpty()) {
            Thread.sleep(200);
        }
    }

    TopicIo io() {
        return new TopicIo(kafka.bootstrapServers());
    }

    String topic(org.apache.flink.configuration.ConfigOption<String> o) {
        return conf.get(o);
    }

    static ConversationTurn turn(
            String tenant,
            String user,
            String session,
            String turnId,
            String time,
            String speaker,
            String text) {
        return ConversationTurn.newBuilder()
                .setEventId(tenant + "/" + user + "/" + turnId)
                .setTenantId(tenant)
                .setUserId(user)
                .setSessionId(session)
                .setTurnId(turnId)
                .setSpeaker(speaker)
                .setText(text)
                .setEventTime(Instant.parse(time))
                .build();
    }

    static MemoryQuery query(String tenant, String user, String id, String time, String text) {
        return MemoryQuery.newBuilder()
                .setQueryId(id)
                .setTenantId(tenant)
                .setUserId(user)
                .setText(text)
                .setQueryTime(Instant.parse(time))
                .setK(3)
                .build();
    }

    static ControlCommand control(
            String tenant, String user, String id, String time, ControlType type) {
        return ControlCommand.newBuilder()
                .setCommandId(id)
                .setTenantId(tenant)
                .setUserId(user)
                .setType(type)
                .setIssuedAt(Instant.parse(time))
                .build();
    }

    /** A conversation of one user over two sessions three weeks apart, in which a fact changes. */
    static List<ConversationTurn> conversation(String tenant, String user) {
        return List.of(
                turn(
                        tenant,
                        user,
                        "s1",
                        "D1:1",
                        "2024-03-04T10:00:00Z",
                        "Ann",
                        "I live in Boston near the Charles River."),
                turn(tenant, user, "s1", "D1:2", "2024-03-04T10:01:00Z", "Ann", "haha ok"),
                turn(
                        tenant,
                        user,
                        "s1",
                        "D1:3",
                        "2024-03-04T10:02:00Z",
                        "Ann",
                        "My dog Pepper is a three year old beagle."),
                turn(
                        tenant,
                        user,
                        "s1",
                        "D1:4",
                        "2024-03-04T10:03:00Z",
                        "Bob",
                        "Pepper sounds adorable, does she like the river walks?"),
                turn(
                        tenant,
                        user,
                        "s2",
                        "D2:1",
                        "2024-03-25T18:00:00Z",
                        "Ann",
                        "We just moved to Seattle last weekend!"),
                turn(
                        tenant,
                        user,
                        "s2",
                        "D2:2",
                        "2024-03-25T18:01:00Z",
                        "Ann",
                        "I started a new job as a data analyst at CareLoop."));
    }

    /** Throws once, the first time it sees the given turn: a failure injected mid-stream. */
    static final class FailOnce implements MapFunction<MemoryInput, MemoryInput> {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean ARMED = new AtomicBoolean();
        private final String turnId;

        FailOnce(String turnId) {
            this.turnId = turnId;
        }

        @Override
        public MemoryInput map(MemoryInput in) {
            if (in.getObservation() != null
                    && in.getObservation().getId().equals(turnId)
                    && ARMED.compareAndSet(true, false)) {
                throw new IllegalStateException("injected failure at " + turnId);
            }
            return in;
        }
    }
}
