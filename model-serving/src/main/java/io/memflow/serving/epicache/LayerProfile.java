package io.memflow.serving.epicache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.memflow.serving.model.LlamaModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A model's layer sensitivities, measured once and stored beside the model as {@code
 * <model>.epicache-profile.json}, so caches built later (another process, another day) share the
 * same layer budgets.
 *
 * @param model file name of the model profiled
 * @param calibrationTokens tokens of the calibration text used
 * @param similarity s_l per layer
 */
public record LayerProfile(String model, int calibrationTokens, float[] similarity) {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String CALIBRATION = "calibration.txt";

    /** Where the profile of {@code modelFile} lives by default: next to it. */
    public static Path besideModel(Path modelFile) {
        return modelFile.resolveSibling(modelFile.getFileName() + ".epicache-profile.json");
    }

    public int[] budgets(int budget, double alpha) {
        return LayerBudgets.allocate(similarity, budget, alpha);
    }

    /**
     * Reads {@code file} if it exists and matches the model's layer count, else measures and saves.
     */
    public static LayerProfile loadOrMeasure(LlamaModel model, Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            LayerProfile p = JSON.readValue(file.toFile(), LayerProfile.class);
            if (p.similarity().length == model.config().layers()) {
                return p;
            }
        }
        LayerProfile p = measure(model);
        Files.createDirectories(file.toAbsolutePath().getParent());
        JSON.writeValue(file.toFile(), p);
        return p;
    }

    /** Measures on the bundled calibration text, as much of it as fits in half the context. */
    public static LayerProfile measure(LlamaModel model) {
        int[] tokens = calibrationTokens(model, Math.min(512, model.config().contextLength() / 2));
        float[] s =
                LayerSensitivity.measure(
                        model, tokens, LayerSensitivity.Mask.forLength(tokens.length));
        return new LayerProfile(model.path().getFileName().toString(), tokens.length, s);
    }

    static int[] calibrationTokens(LlamaModel model, int max) {
        String text;
        try (InputStream in = LayerProfile.class.getResourceAsStream(CALIBRATION)) {
            if (in == null) {
                throw new IllegalStateException("calibration text missing from the jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int[] body = model.tokenizer().encode(text, false);
        int[] tokens = new int[Math.min(max, body.length + 1)];
        tokens[0] = model.tokenizer().vocabulary().bos();
        System.arraycopy(body, 0, tokens, 1, tokens.length - 1);
        return tokens;
    }

    @Override
    public String toString() {
        return model + " s=" + Arrays.toString(similarity);
    }
}
