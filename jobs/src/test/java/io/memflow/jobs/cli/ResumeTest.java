package io.memflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.operators.config.MemflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {
    @TempDir Path root;

    @Test
    void jobIdIsStablePerGroupAndDiffersBetweenGroups() {
        assertThat(Resume.jobId("memflow")).isEqualTo(Resume.jobId("memflow"));
        assertThat(Resume.jobId("memflow")).isNotEqualTo(Resume.jobId("memflow-v2"));
    }

    @Test
    void resumesTheNewestCompleteCheckpointAndDropsOlderOnes() throws Exception {
        JobID id = Resume.jobId("g");
        Path job = root.resolve(id.toHexString());
        for (String chk : new String[] {"chk-2", "chk-9", "chk-10", "chk-11"}) {
            Files.createDirectories(job.resolve(chk));
        }
        Files.createDirectories(job.resolve("shared"));
        Files.writeString(job.resolve("shared/state-file"), "x");
        // chk-11 has no _metadata: it was being written when the process died
        for (String chk : new String[] {"chk-2", "chk-9", "chk-10"}) {
            Files.writeString(job.resolve(chk).resolve("_metadata"), "m");
        }
        Configuration conf = new Configuration();
        conf.set(MemflowOptions.GROUP_ID, "g");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, root.toUri().toString());

        assertThat(Resume.configure(conf)).contains(job.resolve("chk-10"));

        assertThat(conf.get(StateRecoveryOptions.SAVEPOINT_PATH))
                .isEqualTo(job.resolve("chk-10").toUri().toString());
        assertThat(conf.get(StateRecoveryOptions.RESTORE_MODE)).isEqualTo(RecoveryClaimMode.CLAIM);
        assertThat(conf.get(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID))
                .isEqualTo(id.toHexString());
        assertThat(job.resolve("chk-2")).doesNotExist();
        assertThat(job.resolve("chk-9")).doesNotExist();
        assertThat(job.resolve("chk-11")).as("incomplete").doesNotExist();
        assertThat(job.resolve("chk-10")).exists();
        assertThat(job.resolve("shared/state-file")).exists();
    }

    @Test
    void nothingToResumeInAnEmptyOrRemoteDirectory() {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, root.toUri().toString());
        assertThat(Resume.configure(conf)).isEmpty();
        assertThat(conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH)).isEmpty();
        assertThat(Resume.local("s3://bucket/memflow/checkpoints")).isEmpty();
    }
}
