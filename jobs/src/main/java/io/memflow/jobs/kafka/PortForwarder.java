package io.memflow.jobs.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Gives the in-process broker a fixed, well-known bootstrap address on loopback. Kafka's test kit
 * binds its listeners to pre-bound free ports and cannot be told a port; clients only need a fixed
 * address for bootstrapping, after which they connect to the broker's advertised address (also on
 * loopback) as usual. So this forwards connections from {@code 127.0.0.1:port} to the broker, byte
 * for byte.
 */
final class PortForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService pumps =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "memflow-port-forwarder");
                        t.setDaemon(true);
                        return t;
                    });

    PortForwarder(int port, String targetHost, int targetPort) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        pumps.execute(() -> accept(targetHost, targetPort));
    }

    private void accept(String host, int port) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(host, port);
                pumps.execute(() -> pump(client, broker));
                pumps.execute(() -> pump(broker, client));
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side closed: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        pumps.shutdownNow();
    }
}
