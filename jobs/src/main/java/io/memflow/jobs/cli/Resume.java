package io.memflow.jobs.cli;

import io.memflow.operators.config.MemflowOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;

/**
 * Where a restarted {@code run} picks up. The job id is derived from the consumer group, so every
 * run of the same job writes its checkpoints to the same {@code <checkpoints>/<jobId>/chk-N}
 * directories, and the newest complete one (it has {@code _metadata}) is the state to resume. A
 * restart that found no checkpoint while the consumer group has committed offsets would start with
 * empty memory and skip everything before those offsets, so {@code run} refuses that case.
 */
public final class Resume {
    private static final Pattern CHK = Pattern.compile("chk-(\\d+)");

    private Resume() {}

    /** The stable job id of the job that reads with {@code groupId}. */
    public static JobID jobId(String groupId) {
        UUID u = UUID.nameUUIDFromBytes(("memflow/" + groupId).getBytes(StandardCharsets.UTF_8));
        return new JobID(u.getMostSignificantBits(), u.getLeastSignificantBits());
    }

    /** The local directory behind a checkpoint URI, or empty for a remote file system. */
    public static Optional<Path> local(String checkpointUri) {
        URI uri = URI.create(checkpointUri);
        if (uri.getScheme() == null) {
            return Optional.of(Path.of(checkpointUri));
        }
        return "file".equals(uri.getScheme()) ? Optional.of(Path.of(uri)) : Optional.empty();
    }

    /** The newest complete retained checkpoint of {@code job} under {@code root}, if any. */
    public static Optional<Path> newest(Path root, JobID job) {
        Path dir = root.resolve(job.toHexString());
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> number(p) >= 0 && Files.isRegularFile(p.resolve("_metadata")))
                    .max(Comparator.comparingLong(Resume::number));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Deletes the job's checkpoints (a deliberate start from scratch). */
    public static void deleteCheckpoints(Path root, JobID job) {
        Path dir = root.resolve(job.toHexString());
        if (!Files.exists(dir)) {
            return;
        }
        try {
            deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static long number(Path p) {
        Matcher m = CHK.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Points {@code conf} at the newest retained checkpoint of the job reading with the configured
     * group, if the checkpoint directory is local and holds one, and sets the stable job id either
     * way. The job claims the checkpoint: it is subsumed and deleted like its own.
     *
     * @return the checkpoint resumed from
     */
    public static Optional<Path> configure(Configuration conf) {
        JobID id = jobId(conf.get(MemflowOptions.GROUP_ID));
        conf.set(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, id.toHexString());
        Optional<Path> newest =
                local(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                        .flatMap(root -> newest(root, id));
        newest.ifPresent(
                p -> {
                    conf.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toUri().toString());
                    conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
                    deleteOlder(p);
                });
        return newest;
    }

    /**
     * Deletes the {@code chk-M} directories older than {@code resumed} that a killed run left (a
     * run that stops normally leaves only its newest few). Only their own directories go: files
     * under {@code shared/} may still be referenced by the resumed incremental checkpoint.
     */
    static void deleteOlder(Path resumed) {
        long n = number(resumed);
        try (Stream<Path> s = Files.list(resumed.getParent())) {
            for (Path p :
                    s.filter(
                                    p ->
                                            number(p) >= 0
                                                    && (number(p) < n
                                                            || !Files.exists(
                                                                    p.resolve("_metadata"))))
                            .toList()) {
                try {
                    deleteTree(p);
                } catch (IOException | UncheckedIOException e) {
                    // a job that was just cancelled may still be discarding it: best effort
                    System.err.println(
                            "memflow: could not delete " + p + " (" + e.getMessage() + ")");
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: the next run tries again
        }
    }
}
