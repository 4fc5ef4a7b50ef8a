package io.memflow.jobs.eval;

import io.memflow.jobs.MemflowJob;
import io.memflow.jobs.MemflowPipeline;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.DeadLetter;
import io.memflow.schemas.MemoryAnswer;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryQuery;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the real memflow job once: an in-process Kafka broker, every turn and every question
 * produced to the input topics, then the job on a local MiniCluster with a bounded source (it stops
 * at the offsets present when it starts and finishes once the end-of-input watermark has fired
 * every timer); answers and changelog are collected in this JVM ({@link CollectingSink}).
 *
 * <p>The job derives event time after decoding, with one watermark for all input partitions. Read
 * from a backlog, a question (dated after the conversation) can be fetched before the turns and
 * push the watermark past them, so it would be answered from an empty memory. The evaluation
 * therefore holds the watermark back ({@link #orderingDefaults}) until the end of input, when the
 * event-time ordering releases every user's turns and then the questions, in order, as a live
 * system would have seen them. {@code -D} options override these defaults.
 */
final class MemflowRun {

    record Output(
            List<MemoryAnswer> answers,
            List<MemoryChange> changes,
            int deadLetters,
            double jobSeconds,
            Map<String, Object> accumulators) {}

    private MemflowRun() {}

    /** Out-of-orderness and quiet release long enough that only end of input releases events. */
    static Configuration orderingDefaults() {
        Configuration c = new Configuration();
        c.set(MemflowOptions.OUT_OF_ORDERNESS, java.time.Duration.ofDays(3650));
        c.set(MemflowOptions.QUIET_RELEASE, java.time.Duration.ofDays(3650));
        return c;
    }

    static Output run(
            Configuration options,
            List<ConversationTurn> turns,
            List<MemoryQuery> queries,
            Progress progress)
            throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            Configuration conf =
                    MemflowJob.localDefaults(
                            Files.createTempDirectory("memflow-eval").toUri().toString());
            conf.addAll(orderingDefaults());
            conf.addAll(options);
            conf.set(MemflowOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(conf));
            topics.addAll(KafkaEndpoints.outputTopics(conf));
            kafka.createTopics(topics, 1, conf);

            try (TopicIo io = new TopicIo(kafka.bootstrapServers())) {
                progress.start("produce turns+questions", turns.size() + queries.size());
                for (ConversationTurn t : turns) {
                    io.sendAsync(conf.get(MemflowOptions.TOPIC_TURNS), t);
                    progress.step();
                }
                for (MemoryQuery q : queries) {
                    io.sendAsync(conf.get(MemflowOptions.TOPIC_QUERIES), q);
                    progress.step();
                }
                io.flush();
                progress.done();
            }
            String run = UUID.randomUUID().toString();
            CollectingSink<MemoryChange> changes = new CollectingSink<>(run + "/changes");
            CollectingSink<MemoryAnswer> answers = new CollectingSink<>(run + "/answers");
            CollectingSink<DeadLetter> dead = new CollectingSink<>(run + "/dead");
            try {
                StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.getExecutionEnvironment(conf);
                MemflowPipeline.build(
                        env, conf, KafkaEndpoints.source(conf, true), changes, answers, dead, null);
                long start = System.nanoTime();
                JobClient job = env.executeAsync("memflow-eval");
                CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
                watch(
                        result,
                        changes.queue(),
                        answers.queue(),
                        turns.size(),
                        queries.size(),
                        progress);
                JobExecutionResult done = result.get();
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, MemoryAnswer> byId = new LinkedHashMap<>();
                for (MemoryAnswer a : answers.queue()) {
                    byId.put(a.getQueryId(), a);
                }
                return new Output(
                        new ArrayList<>(byId.values()),
                        new ArrayList<>(changes.queue()),
                        dead.queue().size(),
                        seconds,
                        done.getAllAccumulatorResults());
            } finally {
                changes.release();
                answers.release();
                dead.release();
            }
        }
    }

    /**
     * Progress while the job runs: turns that became memories, then answers. Sensory memory drops
     * some turns on purpose, so the ingest bar completes when the first answer arrives (answers
     * come after every turn of that user in event time).
     */
    private static void watch(
            CompletableFuture<JobExecutionResult> job,
            Queue<MemoryChange> changes,
            Queue<MemoryAnswer> answers,
            int turns,
            int queries,
            Progress progress)
            throws InterruptedException {
        progress.start("job: ingest turns", turns);
        Set<String> ingested = new HashSet<>();
        Iterator<MemoryChange> seen = changes.iterator();
        boolean asking = false;
        while (!job.isDone()) {
            Thread.sleep(200);
            while (seen.hasNext()) {
                MemoryChange ch = seen.next();
                for (String id : ch.getRecord().getSourceTurnIds()) {
                    ingested.add(ch.getUserId() + "/" + id);
                }
            }
            if (!asking && answers.isEmpty()) {
                progress.set(ingested.size());
            } else {
                if (!asking) {
                    asking = true;
                    progress.done();
                    progress.start("job: answer questions", queries);
                }
                progress.set(answers.size());
            }
        }
        if (!asking) {
            progress.done();
            progress.start("job: answer questions", queries);
        }
        progress.set(answers.size());
        progress.done();
    }
}
