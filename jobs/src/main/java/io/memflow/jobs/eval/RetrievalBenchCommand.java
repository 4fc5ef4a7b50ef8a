package io.memflow.jobs.eval;

import io.memflow.jobs.cli.CliException;
import io.memflow.operators.consolidate.ConsolidateFunction;
import io.memflow.operators.retrieval.MemoryIndex;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Retrieval latency for one user holding N memories: builds N synthetic memories (embedded with the
 * configured model, int8 as in state), prepares the user's {@link MemoryIndex} once as the
 * long-term operator and {@code serve} keep it (the build time is printed: a user's first query
 * after a restart or a change pays it), then times {@link Retriever#retrieve} over it (every
 * signal, fusion and the time filter, question embedding included) for a set of questions after a
 * warm-up, and prints p50/p99. Kafka and Flink hops excluded.
 */
@Command(
        name = "bench-retrieval",
        mixinStandardHelpOptions = true,
        description = "Measure retrieval latency (p50/p99) for one user with many memories.")
public class RetrievalBenchCommand implements Callable<Integer> {
    @Option(
            names = "--memories",
            defaultValue = "10000",
            description = "Memories of the user (default: ${DEFAULT-VALUE}).")
    int memories;

    @Option(
            names = "--queries",
            defaultValue = "200",
            description = "Timed queries (default: ${DEFAULT-VALUE}).")
    int queries;

    @Option(
            names = "--k",
            defaultValue = "10",
            description = "Memories per answer (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description =
                    "Any memflow.* option of the retriever, e.g."
                            + " -Dmemflow.embedding.model=all-minilm-l6-v2-q.")
    java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();

    private static final String[] WORDS =
            ("we talked about the trip to Lisbon and my sister Lena who lives in Chicago I started a"
                            + " new job as a data analyst my dog Pepper loves the park near the river"
                            + " on Sundays the concert was amazing and I bought tickets for July we"
                            + " moved to Seattle in April painting pottery camping with the kids"
                            + " adoption agency support group charity race")
                    .split(" ");

    /** {@code java -cp memflow.jar io.memflow.jobs.eval.RetrievalBenchCommand [--memories N]}. */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new RetrievalBenchCommand()).execute(args));
    }

    @Override
    public Integer call() {
        if (memories < 1 || queries < 1) {
            throw new CliException("--memories and --queries must be at least 1");
        }
        Random rnd = new Random(7);
        Instant t0 = Instant.parse("2023-01-01T00:00:00Z");
        List<MemoryRecord> records = new ArrayList<>(memories);
        for (int i = 0; i < memories; i++) {
            Instant t = t0.plusSeconds(600L * i);
            records.add(
                    MemoryRecord.newBuilder()
                            .setMemoryId("m" + i)
                            .setTenantId("bench")
                            .setUserId("u")
                            .setText("Sam: " + sentence(rnd, 8 + rnd.nextInt(16)) + " #" + i)
                            .setEventTime(t)
                            .setValidFrom(t)
                            .setLastAccessTime(t)
                            .setSourceTurnIds(List.of("D" + i))
                            .setVersion(1)
                            .setStatus(MemoryStatus.ACTIVE)
                            .build());
        }
        org.apache.flink.configuration.Configuration conf =
                new org.apache.flink.configuration.Configuration();
        properties.forEach(conf::setString);
        Retriever retriever;
        try {
            retriever = Retriever.of(conf);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        System.out.printf(
                "retriever: %s, votes %s%n",
                retriever.embeddingModel() == null ? "no embedder" : retriever.embeddingModel(),
                retriever.votes().stream()
                        .map(v -> v.signal() + " " + v.weight())
                        .collect(java.util.stream.Collectors.joining(", ")));
        System.out.printf("embedding %,d memories...%n", memories);
        long e0 = System.nanoTime();
        if (retriever.embedder() != null) {
            ConsolidateFunction.embedAll(retriever.embedder(), records);
        }
        System.out.printf("embedded in %.1f s%n", (System.nanoTime() - e0) / 1e9);

        long now = t0.plusSeconds(600L * memories + 86_400).toEpochMilli();
        List<String> questions = new ArrayList<>();
        for (int i = 0; i < queries; i++) {
            String q = "What did Sam say about " + sentence(rnd, 3) + "?";
            questions.add(i % 4 == 3 ? q.replace("?", " last month?") : q);
        }
        long b0 = System.nanoTime();
        MemoryIndex index = retriever.newIndex();
        for (MemoryRecord r : records) {
            index.put(r);
        }
        System.out.printf(
                "index of %,d memories built in %.0f ms (once per user after a change)%n",
                memories, (System.nanoTime() - b0) / 1e6);
        for (int i = 0; i < Math.min(20, queries); i++) {
            retriever.retrieve(questions.get(i), now, index, k);
        }
        double[] ms = new double[queries];
        for (int i = 0; i < queries; i++) {
            long s = System.nanoTime();
            retriever.retrieve(questions.get(i), now, index, k);
            ms[i] = (System.nanoTime() - s) / 1e6;
        }
        System.out.printf(
                "retrieval over %,d memories, k=%d, %d queries: p50 %.1f ms, p99 %.1f ms%n",
                memories, k, queries, Metrics.percentile(ms, 50), Metrics.percentile(ms, 99));
        return 0;
    }

    private static String sentence(Random rnd, int words) {
        StringBuilder b = new StringBuilder();
        for (int w = 0; w < words; w++) {
            b.append(w == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return b.toString();
    }
}
