package io.memflow.jobs.serve;

import io.memflow.jobs.cli.CliException;
import io.memflow.jobs.cli.ConfigMixin;
import io.memflow.jobs.kafka.TopicIo;
import io.memflow.operators.config.MemflowOptions;
import io.memflow.operators.ingest.InputDecoder;
import io.memflow.operators.retrieval.Retriever;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code memflow serve}: the synchronous memory API over the changelog. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve memories over HTTP (Mem0-shaped REST) from a view of the changelog;"
                        + " writes go to Kafka.")
public class ServeCommand implements Callable<Integer> {
    @Mixin ConfigMixin config;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "HTTP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--api-keys",
            description =
                    "File of 'KEY TENANT' lines: every request then needs Authorization: Bearer KEY"
                            + " and is confined to that tenant.")
    Path apiKeys;

    @Option(
            names = "--tenant",
            defaultValue = "default",
            description =
                    "Tenant of every request when there is no --api-keys file (default: ${DEFAULT-VALUE}).")
    String tenant;

    @Option(
            names = "--partitions",
            split = ",",
            description =
                    "Serve only these changelog partitions (e.g. 0,2): the users that live there"
                            + " (docs/ARCHITECTURE.md, routing); default all.")
    java.util.Set<Integer> partitions;

    @Option(
            names = "--replica",
            description =
                    "This replica's number, 0 .. --replicas - 1: it serves the partitions p"
                            + " with p % replicas == replica.")
    Integer replica;

    @Option(names = "--replicas", description = "How many replicas share the changelog.")
    Integer replicas;

    @Option(
            names = "--bind",
            description = "Address to listen on (default: 127.0.0.1; 0.0.0.0 needs --api-keys).")
    String bind;

    @Override
    public Integer call() throws Exception {
        Configuration conf = config.configuration(new Configuration());
        String host = bind != null ? bind : "127.0.0.1";
        ServeApi.Tenancy tenancy = apiKeys != null ? keys(apiKeys) : single(tenant);
        if (apiKeys == null && !host.startsWith("127.") && !host.equals("localhost")) {
            throw new CliException(
                    "serve without --api-keys answers anyone as tenant "
                            + tenant
                            + ": it binds loopback only. Pass --api-keys FILE to bind "
                            + host);
        }
        try (Server s = Server.start(conf, tenancy, host, port, assignment())) {
            System.out.println(
                    "memflow serve on http://"
                            + host
                            + ":"
                            + s.port()
                            + " (changelog "
                            + conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES)
                            + " at "
                            + conf.get(MemflowOptions.BOOTSTRAP_SERVERS)
                            + ", "
                            + s.follower().partitions().size()
                            + " of "
                            + s.follower().partitionCount()
                            + " partitions); MCP at /mcp; GET /health says when the view has"
                            + " caught up");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }

    /** The partitions this replica serves, from --partitions or --replica/--replicas. */
    ReplicaAssignment assignment() {
        if (partitions != null && (replica != null || replicas != null)) {
            throw new CliException("pass either --partitions or --replica with --replicas");
        }
        if ((replica == null) != (replicas == null)) {
            throw new CliException("--replica and --replicas go together");
        }
        try {
            if (partitions != null) {
                return ReplicaAssignment.partitions(partitions);
            }
            return replica != null
                    ? ReplicaAssignment.replica(replica, replicas)
                    : ReplicaAssignment.all();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** One tenant for every request (loopback use). */
    public static ServeApi.Tenancy single(String tenant) {
        return new ServeApi.Tenancy() {
            @Override
            public String tenantOf(String header) {
                return tenant;
            }

            @Override
            public boolean required() {
                return false;
            }
        };
    }

    /** Bearer keys, each confined to its tenant. */
    public static ServeApi.Tenancy keys(Path file) {
        Map<String, String> byKey = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new CliException("cannot read --api-keys " + file + ": " + e.getMessage());
        }
        int n = 0;
        for (String line : lines) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] kv = l.split("\\s+");
            if (kv.length != 2) {
                throw new CliException(
                        "--api-keys "
                                + file
                                + " line "
                                + n
                                + ": expected 'KEY TENANT', got '"
                                + l
                                + "'");
            }
            byKey.put(kv[0], kv[1]);
        }
        if (byKey.isEmpty()) {
            throw new CliException("--api-keys " + file + " holds no 'KEY TENANT' line");
        }
        return new ServeApi.Tenancy() {
            @Override
            public String tenantOf(String header) {
                if (header == null || !header.startsWith("Bearer ")) {
                    return null;
                }
                return byKey.get(header.substring("Bearer ".length()).strip());
            }

            @Override
            public boolean required() {
                return true;
            }
        };
    }

    /**
     * What {@code serve} and {@code mcp} share: the view, the follower filling it, the producer for
     * writes and the {@link MemoryService} over them; close stops them all.
     */
    public static final class Backend implements AutoCloseable {
        public final MemoryView view;
        public final ChangelogFollower follower;
        public final MemoryService service;
        private final TopicIo io;

        private Backend(
                MemoryView view, ChangelogFollower follower, TopicIo io, MemoryService service) {
            this.view = view;
            this.follower = follower;
            this.io = io;
            this.service = service;
        }

        public static Backend start(Configuration conf, ReplicaAssignment assignment) {
            String bootstrap = conf.get(MemflowOptions.BOOTSTRAP_SERVERS);
            String changelog = conf.get(MemflowOptions.TOPIC_MEMORY_CHANGES);
            Retriever retriever = Retriever.of(conf);
            MemoryView view = new MemoryView(retriever);
            ChangelogFollower follower;
            try {
                follower = new ChangelogFollower(bootstrap, changelog, view, assignment);
            } catch (org.apache.kafka.common.errors.TimeoutException | IllegalStateException e) {
                throw new CliException(
                        "cannot read "
                                + changelog
                                + " at "
                                + bootstrap
                                + ": is Kafka up and the topic created? ("
                                + e.getMessage()
                                + ")");
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            follower.start();
            InputDecoder.Topics topics =
                    new InputDecoder.Topics(
                            conf.get(MemflowOptions.TOPIC_TURNS),
                            conf.get(MemflowOptions.TOPIC_AGENT_EVENTS),
                            conf.get(MemflowOptions.TOPIC_QUERIES),
                            conf.get(MemflowOptions.TOPIC_CONTROL));
            TopicIo io = new TopicIo(bootstrap);
            MemoryService service =
                    new MemoryService(
                            view,
                            follower,
                            assignment,
                            retriever,
                            io,
                            new InputDecoder(
                                    topics,
                                    conf.get(MemflowOptions.MAX_TEXT_BYTES),
                                    conf.get(MemflowOptions.MAX_FUTURE_SKEW)),
                            topics,
                            conf.get(MemflowOptions.RETRIEVAL_K));
            return new Backend(view, follower, io, service);
        }

        @Override
        public void close() throws InterruptedException {
            io.close();
            follower.close();
        }
    }

    /** A running serve: the backend and the HTTP server (REST and MCP); close stops them all. */
    public static final class Server implements AutoCloseable {
        private final Backend backend;
        private final ServeApi api;
        private final io.javalin.Javalin app;
        public final MemoryView view;

        private Server(Backend backend, ServeApi api, io.javalin.Javalin app) {
            this.backend = backend;
            this.api = api;
            this.app = app;
            this.view = backend.view;
        }

        public static Server start(
                Configuration conf, ServeApi.Tenancy tenancy, String host, int port) {
            return start(conf, tenancy, host, port, ReplicaAssignment.all());
        }

        public static Server start(
                Configuration conf,
                ServeApi.Tenancy tenancy,
                String host,
                int port,
                ReplicaAssignment assignment) {
            Backend backend = Backend.start(conf, assignment);
            ServeApi api = new ServeApi(backend.service, tenancy);
            try {
                return new Server(backend, api, api.start(host, port));
            } catch (RuntimeException e) {
                api.close();
                try {
                    backend.close();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                throw new CliException(
                        "cannot listen on "
                                + host
                                + ":"
                                + port
                                + " ("
                                + e.getMessage()
                                + "); pass another --port");
            }
        }

        public int port() {
            return app.port();
        }

        public boolean ready() {
            return backend.follower.ready();
        }

        public ChangelogFollower follower() {
            return backend.follower;
        }

        @Override
        public void close() throws InterruptedException {
            api.close();
            backend.close();
        }
    }
}
