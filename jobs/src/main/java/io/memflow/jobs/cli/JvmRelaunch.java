package io.memflow.jobs.cli;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Restarts the CLI in a child JVM with the flags memflow needs ({@code --add-modules
 * jdk.incubator.vector}), keeping the user's own JVM options, when the current JVM lacks them. The
 * child is told its parent's pid and exits when the parent is gone, however the parent died (a
 * {@code kill -9} runs no shutdown hook), so no orphan keeps consuming or holding ports.
 */
final class JvmRelaunch {
    static final String MARKER = "memflow.relaunched";
    static final String PARENT_PID = "memflow.parent-pid";

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
        cmd.add("-D" + PARENT_PID + "=" + ProcessHandle.current().pid());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path", "") + File.pathSeparator);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        // a normal exit or Ctrl-C of the parent stops the child at once; a kill -9 is caught by
        // the child's own watch (exitWithParent)
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        return p.waitFor();
    }

    /**
     * In a relaunched child: exits (running the shutdown hooks, which stop the job) as soon as the
     * parent process is gone.
     */
    static void exitWithParent() {
        String pid = System.getProperty(PARENT_PID);
        if (pid == null) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid));
        if (parent.isEmpty()) {
            System.exit(143);
        }
        parent.get()
                .onExit()
                .thenRun(
                        () -> {
                            System.err.println(
                                    "memflow: parent process " + pid + " is gone; exiting");
                            System.exit(143);
                        });
    }
}
