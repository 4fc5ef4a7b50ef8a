package io.memflow.state;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;

/**
 * Chooses RocksDB with incremental checkpoints through configuration (Flink 2.x has no {@code
 * env.setStateBackend}) and switches off the Kryo fallback, so a type without an Avro or Flink
 * serializer fails at job build time instead of silently entering a savepoint.
 */
public final class StateBackendSettings {
    private StateBackendSettings() {}

    /**
     * @param checkpointDir a URI such as {@code file:///tmp/memflow/checkpoints} or {@code
     *     s3://bucket/memflow/checkpoints}
     * @param interval checkpoint interval; output becomes visible to read_committed consumers once
     *     per interval
     */
    public static Configuration rocksDb(String checkpointDir, Duration interval) {
        Configuration c = new Configuration();
        c.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        c.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        c.set(
                CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                org.apache.flink.core.execution.CheckpointingMode.EXACTLY_ONCE);
        // A checkpoint barrier that waits behind one tenant's backlog in the network buffers would
        // hold back every other tenant's committed output (answers become visible only when a
        // checkpoint completes): barriers that wait longer than this for alignment overtake the
        // in-flight records, which are stored with the checkpoint instead.
        c.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        c.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, Duration.ofMillis(200));
        c.set(PipelineOptions.GENERIC_TYPES, false);
        return c;
    }
}
