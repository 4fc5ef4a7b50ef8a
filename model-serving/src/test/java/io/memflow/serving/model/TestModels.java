package io.memflow.serving.model;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.synth.SyntheticModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small random-weight models written by tests, and the shared golden model's location. */
public final class TestModels {
    /** llama-shaped: GQA (4 heads, 2 kv heads), SentencePiece vocabulary. */
    public static final SyntheticModel.Spec LLAMA =
            new SyntheticModel.Spec("llama", 64, 96, 2, 4, 2, 512, 64, 10000f, "llama");

    /** qwen2-shaped: attention biases, NeoX RoPE, byte-level BPE vocabulary. */
    public static final SyntheticModel.Spec QWEN2 =
            new SyntheticModel.Spec("qwen2", 64, 128, 2, 4, 2, 400, 64, 1000000f, "gpt2");

    private TestModels() {}

    public static Path write(Path dir, SyntheticModel.Spec spec, GgmlType type) throws IOException {
        Path file = dir.resolve(spec.architecture() + "-" + type + ".gguf");
        SyntheticModel.write(spec, type, file, 17);
        return file;
    }

    /** The shared stories260K model; fails (never skips) when it is missing. */
    public static Path stories260K() {
        Path file = sharedDir().resolve("data/models/stories260K.gguf");
        if (!Files.isRegularFile(file)) {
            throw new AssertionError(
                    "golden model missing: "
                            + file
                            + " (set -Dmemflow.shared.dir to the shared directory that holds"
                            + " data/models/stories260K.gguf)");
        }
        return file;
    }

    public static Path sharedDir() {
        String dir = System.getProperty("memflow.shared.dir");
        if (dir == null) {
            throw new AssertionError("system property memflow.shared.dir is not set");
        }
        return Path.of(dir);
    }
}
