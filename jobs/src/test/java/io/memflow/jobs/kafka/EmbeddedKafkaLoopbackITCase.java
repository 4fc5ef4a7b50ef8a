package io.memflow.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker that {@code demo}, {@code broker} and {@code eval} start listens on loopback
 * only: every one of its ports (the fixed bootstrap forwarder, the broker listener, the controller
 * listener) accepts connections on 127.0.0.1 and refuses them on this machine's other addresses.
 */
class EmbeddedKafkaLoopbackITCase {

    @Test
    void everyListenerIsOnLoopbackOnly() throws Exception {
        List<InetAddress> external =
                Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                        .filter(i -> !isLoopback(i))
                        .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                        .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                        .toList();
        assertThat(external)
                .as("this test needs a non-loopback address to try the ports on")
                .isNotEmpty();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            List<String> listeners = kafka.listeners();
            assertThat(listeners).hasSizeGreaterThanOrEqualTo(2);
            for (String hostPort : listeners) {
                int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
                assertThat(connects(InetAddress.getLoopbackAddress(), port))
                        .as("%s answers on loopback", hostPort)
                        .isTrue();
                for (InetAddress a : external) {
                    assertThat(connects(a, port))
                            .as("%s must not answer on %s", hostPort, a)
                            .isFalse();
                }
            }
        }
    }

    @Test
    void theFixedBootstrapPortIsOnLoopbackOnly() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(port)) {
            assertThat(kafka.bootstrapServers()).isEqualTo("localhost:" + port);
            assertThat(connects(InetAddress.getLoopbackAddress(), port)).isTrue();
            InetAddress external = InetAddress.getLocalHost();
            if (!external.isLoopbackAddress()) {
                assertThat(connects(external, port)).isFalse();
            }
        }
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(IOException.class);
    }

    private static boolean isLoopback(NetworkInterface i) {
        try {
            return i.isLoopback() || !i.isUp();
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
