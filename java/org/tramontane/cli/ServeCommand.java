package org.tramontane.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.serve.OpenAiServer;
import org.tramontane.serve.ServeOptions;
import org.tramontane.serve.ServingContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over an OpenAI-compatible HTTP API (completions, chat, SSE streaming, /metrics).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    BatchOptions batch;

    @Mixin
    StepBudgetOption budget;

    @Mixin
    ParallelOptions parallel;

    @Mixin
    PrefixCachingOption prefixCaching;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "Address to bind. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8000", description = "Port to listen on (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model's name in the API (default: the --model or --config argument).")
    String servedModelName;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' on every route but /health.")
    String apiKey;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "1024",
            description = "Sequences that may wait to be scheduled; more get 503 at once. Default: ${DEFAULT-VALUE}.")
    int maxQueue;

    @Option(names = "--max-request-bytes", paramLabel = "N", defaultValue = "" + ServeOptions.DEFAULT_MAX_REQUEST_BYTES,
            description = "A request body over N bytes gets 413, unread. Default: ${DEFAULT-VALUE}.")
    long maxRequestBytes;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) throw Flags.usage(spec, "--port must be in [0, 65535] (got " + port + ")");
        Flags.atLeast(spec, "--max-queue", maxQueue, 1);
        if (maxRequestBytes < 1) throw Flags.usage(spec, "--max-request-bytes must be >= 1 (got " + maxRequestBytes + ")");
        ModelSource source = model.toSource(parallel.resolve());
        String name = servedModelName != null ? servedModelName : source.path().toString();
        PrintWriter out = spec.commandLine().getOut();
        try (OpenAiServer server = OpenAiServer.start(new ServeOptions(host, port, name, apiKey, maxQueue, maxRequestBytes,
                ServeOptions.DEFAULT_IDLE_TIMEOUT_MS, ServeOptions.DEFAULT_HEARTBEAT_MS));
                LlmEngine engine = LlmEngine.open(source, prefixCaching.apply(batch.toOptions(budget), true));
                EngineLoop loop = engine.startLoop(maxQueue)) {
            PrefixCachingOption.noteIfOff(engine, spec.commandLine().getErr());
            server.ready(new ServingContext(engine, loop, name));
            out.println("serving " + name + " on http://" + host + ":" + server.port() + "/v1 (Ctrl-C stops)");
            out.flush();
            server.join();
        }
        return 0;
    }
}
