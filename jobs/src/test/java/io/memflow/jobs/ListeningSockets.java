package io.memflow.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, read from Linux's /proc (the machines memflow is tested
 * on): each as "address:port" with the address in hex as /proc shows it, plus a loopback check.
 */
final class ListeningSockets {
    private ListeningSockets() {}

    /** Local addresses of every listening TCP socket (IPv4 and IPv6) owned by {@code pid}. */
    static List<String> of(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        List<String> listening = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> rows = Files.readAllLines(Path.of(table));
            for (String row : rows.subList(1, rows.size())) {
                String[] f = row.trim().split("\\s+");
                // f[1] local address, f[3] state (0A = LISTEN), f[9] inode
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    listening.add(f[1]);
                }
            }
        }
        return listening;
    }

    /** 127.0.0.0/8 in IPv4, ::1, or ::ffff:127.x (IPv4-mapped loopback) in IPv6. */
    static boolean isLoopback(String procAddress) {
        String hex = procAddress.substring(0, procAddress.indexOf(':'));
        if (hex.length() == 8) {
            return hex.endsWith("7F"); // little-endian: the first octet comes last
        }
        return hex.equals("00000000000000000000000001000000")
                || (hex.startsWith("0000000000000000FFFF0000") && hex.endsWith("7F"));
    }
}
