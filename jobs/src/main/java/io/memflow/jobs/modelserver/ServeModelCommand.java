package io.memflow.jobs.modelserver;

import io.memflow.jobs.cli.CliException;
import io.memflow.serving.model.LlamaEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memflow serve-model}: the embedded engine behind an OpenAI-compatible HTTP API. */
@Command(
        name = "serve-model",
        mixinStandardHelpOptions = true,
        description =
                "Serve a GGUF model over an OpenAI-compatible API: /v1/models,"
                        + " /v1/chat/completions, /v1/completions (streaming included).")
public class ServeModelCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "GGUF model file.")
    Path model;

    @Option(
            names = "--port",
            defaultValue = "8000",
            description = "HTTP port, 0 = a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--bind",
            defaultValue = "127.0.0.1",
            description =
                    "Address to listen on (default: ${DEFAULT-VALUE}); the API has no"
                            + " authentication, so open it to other hosts only behind a proxy.")
    String bind;

    @Option(
            names = "--threads",
            defaultValue = "2",
            description = "Worker threads of the engine's kernels (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new CliException("--model " + model + " is not a file; pass a GGUF model");
        }
        LlamaEngine engine;
        try {
            engine = LlamaEngine.open(model, threads);
        } catch (IOException | RuntimeException e) {
            throw new CliException("cannot load --model " + model + ": " + e.getMessage());
        }
        ModelServer server = new ModelServer(engine, ModelServer.modelId(model), body -> {});
        try {
            server.start(bind, port);
        } catch (RuntimeException e) {
            engine.close();
            throw new CliException(
                    "cannot listen on "
                            + bind
                            + ":"
                            + port
                            + " ("
                            + e.getMessage()
                            + "); pass another --port");
        }
        System.out.println(
                "memflow serve-model: "
                        + server.modelId()
                        + " on http://"
                        + bind
                        + ":"
                        + server.port()
                        + "/v1 (OpenAI-compatible; context "
                        + engine.info().contextLength()
                        + " tokens)");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
        server.close();
        engine.close();
        return 0;
    }
}
