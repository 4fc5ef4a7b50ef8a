package io.memflow.jobs.serve;

import io.memflow.jobs.cli.ConfigMixin;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memflow mcp}: the MCP tools of {@code serve} over stdio, for an agent that starts its
 * memory as a subprocess. It keeps its own view of the changelog (like {@code serve}) and acts for
 * one tenant; it ends when the client closes stdin.
 */
@Command(
        name = "mcp",
        mixinStandardHelpOptions = true,
        description =
                "MCP server on stdio (tools add_memory, search_memory, list_memories,"
                        + " delete_memory) over a view of the changelog; writes go to Kafka.")
public class McpCommand implements Callable<Integer> {
    @Mixin ConfigMixin config;

    @Option(
            names = "--tenant",
            defaultValue = "default",
            description = "Tenant of every tool call (default: ${DEFAULT-VALUE}).")
    String tenant;

    @Override
    public Integer call() throws Exception {
        Configuration conf = config.configuration(new Configuration());
        // stdout carries only protocol messages: anything else printed goes to stderr
        PrintStream protocolOut = System.out;
        System.setOut(System.err);
        CountDownLatch eof = new CountDownLatch(1);
        InputStream in = new EndAware(System.in, eof);
        try (ServeCommand.Backend backend =
                ServeCommand.Backend.start(conf, ReplicaAssignment.all())) {
            McpSyncServer server =
                    new McpTools(backend.service, ctx -> tenant)
                            .serve(
                                    new StdioServerTransportProvider(
                                            McpTools.MAPPER, in, protocolOut));
            Runtime.getRuntime().addShutdownHook(new Thread(eof::countDown));
            eof.await();
            server.close();
        }
        return 0;
    }

    /** Stdin that says when the client closed it. */
    private static final class EndAware extends FilterInputStream {
        private final CountDownLatch eof;

        EndAware(InputStream in, CountDownLatch eof) {
            super(in);
            this.eof = eof;
        }

        @Override
        public int read() throws IOException {
            return seen(super.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return seen(super.read(b, off, len));
        }

        private int seen(int n) {
            if (n < 0) {
                eof.countDown();
            }
            return n;
        }
    }
}
