package io.memflow.jobs.cli;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Restarts the CLI in a child JVM with the flags memflow needs ({@code --add-modules
 * jdk.incubator.vector}), keeping the user's own JVM options, when the current JVM lacks them.
 */
final class JvmRelaunch {
    static final String MARKER = "memflow.relaunched";

    private JvmRelaunch() {}

    static boolean needed() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()
                && System.getProperty(MARKER) == null;
    }

    static int run(Class<?> main, String[] args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-D" + MARKER + "=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path", "") + File.pathSeparator);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        return p.waitFor();
    }
}
