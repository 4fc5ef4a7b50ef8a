package io.memflow.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.jobs.kafka.UserPartitioner;
import io.memflow.jobs.serve.ChangelogFollower;
import io.memflow.jobs.serve.MemoryView;
import io.memflow.jobs.serve.ServeCommand;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.embedding.Embedders;
import io.memflow.operators.embedding.EmbeddingModel;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.retrieval.Retriever;
import io.memflow.schemas.ChangeType;
import io.memflow.schemas.MemoryChange;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.codec.WireFormat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Search latency of {@code serve} at a given view size. A real {@code serve} (HTTP, the job's
 * retriever, the default embedder for the question) runs against an in-process broker; its view is
 * filled with U×M synthetic memories plus one user with {@code --big-user-memories}, through {@link
 * MemoryView#apply}, the follower's own path. Texts are random chat-like sentences; vectors are
 * random unit vectors in int8 (search cost does not depend on their values, and embedding 110,000
 * texts would take ten minutes). Then C clients, each with its own HTTP client, send searches with
 * fresh random questions: first to random ordinary users, then to the big user. Separately, the
 * follower's catch-up rate is timed on synthetic changes produced to the broker.
 */
@Command(
        name = "bench-serve",
        mixinStandardHelpOptions = true,
        description = "Measure serve's search latency and its view's size and catch-up rate.")
public class ServeBenchCommand implements Callable<Integer> {
    /** The default embedder: the one serve ranks with unless configured otherwise. */
    private static final String MODEL = MemflowOptions.EMBEDDING_MODEL.defaultValue();

    /** Width of its vectors. */
    private static final int DIMENSION = EmbeddingModel.byId(MODEL).dimension();

    @Option(
            names = "--users",
            defaultValue = "100",
            description = "Users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--memories-per-user",
            defaultValue = "1000",
            description = "Memories per user (default: ${DEFAULT-VALUE}).")
    int perUser;

    @Option(
            names = "--big-user-memories",
            defaultValue = "10000",
            description = "Memories of the one big user (default: ${DEFAULT-VALUE}).")
    int bigUser;

    @Option(
            names = "--clients",
            defaultValue = "4",
            description = "Concurrent HTTP clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--searches",
            defaultValue = "2000",
            description = "Timed searches per phase (default: ${DEFAULT-VALUE}).")
    int searches;

    @Option(
            names = "--catch-up-changes",
            defaultValue = "50000",
            description = "Changes produced to time the follower (default: ${DEFAULT-VALUE}).")
    int catchUpChanges;

    @Option(
            names = "-k",
            defaultValue = "10",
            description = "k per search (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--json", description = "Print only the JSON result.")
    boolean json;

    @Spec CommandSpec spec;

    static final String TENANT = "bench";
    static final String BIG = "big-user";
    private static final String[] WORDS =
            ("we talked about the trip to Lisbon and my sister Lena who lives in Chicago I started a"
                            + " new job as a data analyst my dog Pepper loves the park near the"
                            + " river on Sundays the concert was amazing and I bought tickets for"
                            + " July we moved to Seattle in April coffee with Sam yoga class"
                            + " garden tomatoes marathon training piano lessons grandmother"
                            + " birthday recipe pasta hiking trail mountain camping tent")
                    .split(" ");

    @Override
    public Integer call() throws Exception {
        Random rnd = new Random(42);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            Configuration conf = new Configuration();
            conf.set(MemflowOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(conf));
            topics.addAll(KafkaEndpoints.outputTopics(conf));
            String catchUpTopic = "bench.memory-changes";
            topics.add(catchUpTopic);
            kafka.createTopics(topics, 2, conf);
            log("embedder warm-up...");
            Embedders.load(MODEL).embed("warm up");

            log("catch-up: producing " + catchUpChanges + " changes...");
            double catchUp = catchUp(kafka.bootstrapServers(), catchUpTopic, rnd);
            log(String.format("catch-up: %.0f changes/s", catchUp));

            try (ServeCommand.Server serve =
                    ServeCommand.Server.start(conf, ServeCommand.single(TENANT), "127.0.0.1", 0)) {
                long before = usedHeap();
                long t0 = System.nanoTime();
                for (int u = 0; u < users; u++) {
                    for (int m = 0; m < perUser; m++) {
                        serve.view.apply(change("user-" + u, "m" + m, rnd));
                    }
                }
                for (int m = 0; m < bigUser; m++) {
                    serve.view.apply(change(BIG, "m" + m, rnd));
                }
                double applySeconds = (System.nanoTime() - t0) / 1e9;
                long memories = serve.view.memories();
                long viewBytes = usedHeap() - before;
                log(
                        String.format(
                                "view: %d memories, %.0f bytes each, applied at %.0f/s",
                                memories, (double) viewBytes / memories, memories / applySeconds));

                String base = "http://127.0.0.1:" + serve.port() + "/v1/memories/search";
                log("warm-up searches...");
                run(base, Math.min(500, searches), rnd, false);
                log("timing " + searches + " searches over " + users + " users...");
                Timing all = run(base, searches, rnd, false);
                log("timing " + searches + " searches of the big user...");
                Timing big = run(base, searches, rnd, true);

                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("users", users);
                o.put("memoriesPerUser", perUser);
                o.put("bigUserMemories", bigUser);
                o.put("memories", memories);
                o.put("clients", clients);
                o.put("k", k);
                o.put("searches", searches);
                o.put("searchP50Ms", round(all.percentile(50)));
                o.put("searchP99Ms", round(all.percentile(99)));
                o.put("searchesPerSecond", round(all.perSecond()));
                o.put("bigUserSearchP50Ms", round(big.percentile(50)));
                o.put("bigUserSearchP99Ms", round(big.percentile(99)));
                o.put("bigUserSearchesPerSecond", round(big.perSecond()));
                o.put("viewBytesPerMemory", viewBytes / memories);
                o.put("indexBytesPerMemory", serve.view.indexBytes() / memories);
                o.put("applyChangesPerSecond", Math.round(memories / applySeconds));
                o.put("catchUpChanges", catchUpChanges);
                o.put("catchUpChangesPerSecond", Math.round(catchUp));
                o.put("embeddings", conf.get(MemflowOptions.EMBEDDING_ENABLED));
                spec.commandLine().getOut().println(o.toString());
                spec.commandLine().getOut().flush();
            }
        }
        return 0;
    }

    /** Latencies of one phase. */
    record Timing(double[] millis, double seconds) {
        double percentile(int p) {
            double[] s = millis.clone();
            Arrays.sort(s);
            return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
        }

        double perSecond() {
            return millis.length / seconds;
        }
    }

    private Timing run(String url, int count, Random seed, boolean bigOnly) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            double[] millis = new double[count];
            List<Future<?>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int client = c;
                long clientSeed = seed.nextLong();
                done.add(
                        pool.submit(
                                () -> {
                                    HttpClient http = HttpClient.newHttpClient();
                                    Random rnd = new Random(clientSeed);
                                    for (int i = client; i < count; i += clients) {
                                        String user = bigOnly ? BIG : "user-" + rnd.nextInt(users);
                                        String body =
                                                "{\"user_id\":\""
                                                        + user
                                                        + "\",\"query\":\""
                                                        + sentence(rnd, 6, 10)
                                                        + "?\",\"k\":"
                                                        + k
                                                        + "}";
                                        long t = System.nanoTime();
                                        HttpResponse<String> r =
                                                http.send(
                                                        HttpRequest.newBuilder(URI.create(url))
                                                                .header(
                                                                        "Content-Type",
                                                                        "application/json")
                                                                .POST(
                                                                        HttpRequest.BodyPublishers
                                                                                .ofString(body))
                                                                .build(),
                                                        HttpResponse.BodyHandlers.ofString());
                                        millis[i] = (System.nanoTime() - t) / 1e6;
                                        if (r.statusCode() != 200) {
                                            throw new IllegalStateException(
                                                    "search answered "
                                                            + r.statusCode()
                                                            + ": "
                                                            + r.body());
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return new Timing(millis, (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Produces synthetic changes, then times a fresh follower reading all of them. */
    private double catchUp(String bootstrap, String topic, Random rnd) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < catchUpChanges; i++) {
                MemoryChange c = change("catch-up-" + (i % Math.max(1, users)), "c" + i, rnd);
                String userKey = UserPartitioner.userKey(TENANT, c.getUserId());
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                UserPartitioner.partition(userKey, 2),
                                null,
                                MemoryView.changelogKey(TENANT, c.getUserId(), c.getMemoryId())
                                        .getBytes(StandardCharsets.UTF_8),
                                WireFormat.encode(c)));
            }
            producer.flush();
        }
        MemoryView view = new MemoryView(Retriever.of(new Configuration()));
        long start = System.nanoTime();
        try (ChangelogFollower follower = new ChangelogFollower(bootstrap, topic, view).start()) {
            while (view.applied() < catchUpChanges) {
                Thread.sleep(5);
            }
            return catchUpChanges / ((System.nanoTime() - start) / 1e9);
        }
    }

    static MemoryChange change(String user, String id, Random rnd) {
        Instant t = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(rnd.nextInt(365 * 86_400));
        float[] v = new float[DIMENSION];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        v = Vectors.normalize(v);
        float scale = Vectors.scale(v);
        String memoryId = user + "-" + id;
        MemoryRecord r =
                MemoryRecord.newBuilder()
                        .setMemoryId(memoryId)
                        .setTenantId(TENANT)
                        .setUserId(user)
                        .setText("User: " + sentence(rnd, 9, 24))
                        .setSpeaker("User")
                        .setEventTime(t)
                        .setValidFrom(t)
                        .setLastAccessTime(t)
                        .setSourceTurnIds(List.of("turn-" + memoryId))
                        .setVersion(1)
                        .setStatus(MemoryStatus.ACTIVE)
                        .setEmbedding(Vectors.quantize(v, scale))
                        .setEmbeddingScale(scale)
                        .setEmbeddingModel(MODEL)
                        .build();
        return MemoryChange.newBuilder()
                .setChangeId(memoryId + ":1")
                .setTenantId(TENANT)
                .setUserId(user)
                .setMemoryId(memoryId)
                .setType(ChangeType.ADD)
                .setVersion(1)
                .setChangeTime(t)
                .setReason("bench")
                .setRecord(r)
                .build();
    }

    static String sentence(Random rnd, int min, int max) {
        int n = min + rnd.nextInt(max - min + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return b.toString();
    }

    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private void log(String s) {
        var w = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        w.println(s);
        w.flush();
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
