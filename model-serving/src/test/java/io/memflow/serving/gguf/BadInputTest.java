package io.memflow.serving.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.serving.api.GenerationRequest;
import io.memflow.serving.cli.ServingCli;
import io.memflow.serving.kernels.Kernels;
import io.memflow.serving.model.LlamaEngine;
import io.memflow.serving.model.LlamaModel;
import io.memflow.serving.model.TestModels;
import io.memflow.serving.synth.SyntheticModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input fails with a clear error naming the file and the problem. */
class BadInputTest {
    @TempDir Path dir;

    @Test
    void readsBackWhatTheWriterWrote() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        tiny().write(file);
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.version()).isEqualTo(3);
            assertThat(g.metadata().getString("general.architecture")).isEqualTo("llama");
            assertThat(g.metadata().getInt("answer")).isEqualTo(42);
            assertThat(g.metadata().getStringArray("words")).containsExactly("a", "bc");
            GgufTensorInfo t = g.tensor("weird.tensor");
            assertThat(t.dims()).containsExactly(32L, 2L);
            assertThat(g.tensorData(t).getFloat(4 * 63)).isEqualTo(63f);
        }
    }

    @Test
    void readsVersion2() throws Exception {
        Path file = dir.resolve("v2.gguf");
        tiny().write(file);
        byte[] all = Files.readAllBytes(file);
        all[4] = 2; // v2 and v3 share the layout (v3 only added big-endian files)
        Files.write(file, all);
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.version()).isEqualTo(2);
            assertThat(g.tensors()).containsKey("weird.tensor");
        }
    }

    @Test
    void truncatedData() throws Exception {
        Path file = dir.resolve("cut.gguf");
        tiny().write(file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("weird.tensor");
    }

    @Test
    void truncatedHeader() throws Exception {
        Path file = dir.resolve("head.gguf");
        tiny().write(file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, 60));
        assertThatThrownBy(() -> GgufFile.open(file))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void notGguf() throws Exception {
        Path file = dir.resolve("text.gguf");
        Files.writeString(file, "this is not a model, just some text that is long enough");
        assertThatThrownBy(() -> GgufFile.open(file))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a GGUF file");
    }

    @Test
    void unsupportedVersion() throws Exception {
        Path file = dir.resolve("v1.gguf");
        tiny().write(file);
        byte[] all = Files.readAllBytes(file);
        all[4] = 1;
        Files.write(file, all);
        assertThatThrownBy(() -> GgufFile.open(file))
                .hasMessageContaining("unsupported GGUF version 1");
    }

    @Test
    void unknownTensorType() throws Exception {
        Path file = dir.resolve("type.gguf");
        tiny().write(file);
        byte[] all = Files.readAllBytes(file);
        // tensor info: name, n_dims (u32), dims (2 x u64), then the type id (u32)
        int name = indexOf(all, "weird.tensor".getBytes(StandardCharsets.UTF_8));
        int typeAt = name + "weird.tensor".length() + 4 + 16;
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, 99);
        Files.write(file, all);
        assertThatThrownBy(() -> GgufFile.open(file))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("'weird.tensor' has unsupported tensor type id 99");
    }

    @Test
    void unsupportedArchitecture() throws Exception {
        SyntheticModel.Spec falcon =
                new SyntheticModel.Spec("falcon", 64, 96, 1, 4, 4, 512, 64, 10000f, "llama");
        Path file = dir.resolve("falcon.gguf");
        SyntheticModel.write(falcon, GgmlType.F32, file, 1);
        assertThatThrownBy(() -> LlamaModel.load(file, 1, Kernels.SCALAR))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("unsupported architecture 'falcon'");
    }

    @Test
    void promptLongerThanContext() throws Exception {
        Path file = TestModels.write(dir, TestModels.LLAMA, GgmlType.F32); // context 64
        try (LlamaEngine engine = new LlamaEngine(LlamaModel.load(file, 1, Kernels.VECTOR))) {
            String longPrompt = "a b c d e f g h i j k l m n o p q r s t u v w x y z ".repeat(4);
            assertThatThrownBy(() -> engine.generate(GenerationRequest.ofPrompt(longPrompt)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("context length is 64");
        }
    }

    @Test
    void cliPrintsOneLineAndExitsWith2() throws Exception {
        Path file = dir.resolve("cut.gguf");
        tiny().write(file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 100));
        for (String model :
                new String[] {file.toString(), dir.resolve("missing.gguf").toString()}) {
            StringWriter err = new StringWriter();
            int code =
                    new CommandLine(new ServingCli())
                            .setOut(new PrintWriter(new StringWriter()))
                            .setErr(new PrintWriter(err))
                            .execute("generate", "--model", model, "--steps", "3");
            assertThat(code).isEqualTo(2);
            assertThat(err.toString().strip()).doesNotContain("\n").doesNotContain("\tat ");
            assertThat(err.toString()).startsWith("error: ").contains(model);
        }
    }

    /** A GGUF with metadata of several types and one F32 tensor [32, 2] holding 0..63. */
    private static GgufWriter tiny() {
        ByteBuffer data = ByteBuffer.allocate(64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 64; i++) {
            data.putFloat(i);
        }
        return new GgufWriter()
                .putString("general.architecture", "llama")
                .putUInt32("answer", 42)
                .putStringArray("words", new String[] {"a", "bc"})
                .addTensor(
                        "weird.tensor",
                        GgmlType.F32,
                        new long[] {32, 2},
                        out -> out.write(data.array()));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
