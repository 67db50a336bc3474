package org.tramontane.cli;

import java.net.URI;
import java.util.concurrent.Callable;
import org.tramontane.serve.bench.ServeBench;
import org.tramontane.serve.bench.ServeBenchOptions;
import org.tramontane.serve.bench.ServeBenchReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Load a running server with random prompts and print vLLM bench serve's metrics (TTFT, TPOT, ITL, E2EL).")
final class BenchServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8000", description = "The server. Default: ${DEFAULT-VALUE}.")
    URI url;

    @Option(names = "--model", paramLabel = "NAME", description = "The served model name to send (default: none).")
    String model;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Sent as 'Authorization: Bearer KEY'.")
    String apiKey;

    @Option(names = "--num-prompts", paramLabel = "N", defaultValue = "100", description = "Requests to send. Default: ${DEFAULT-VALUE}.")
    int numPrompts;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "8", description = "Requests in flight at most. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--input-len", paramLabel = "I", defaultValue = "128", description = "Prompt tokens per request. Default: ${DEFAULT-VALUE}.")
    int inputLen;

    @Option(names = "--output-len", paramLabel = "O", defaultValue = "128", description = "Output tokens per request (EOS ignored). Default: ${DEFAULT-VALUE}.")
    int outputLen;

    @Option(names = "--request-rate", paramLabel = "R", defaultValue = "inf",
            description = "Requests per second (Poisson arrivals); inf sends them as fast as the concurrency allows. Default: ${DEFAULT-VALUE}.")
    String requestRate;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the random prompts.")
    long seed;

    @Mixin
    OutputFormatOption output;

    @Override
    public Integer call() throws InterruptedException {
        Flags.atLeast(spec, "--num-prompts", numPrompts, 1);
        Flags.atLeast(spec, "--concurrency", concurrency, 1);
        Flags.atLeast(spec, "--input-len", inputLen, 1);
        Flags.atLeast(spec, "--output-len", outputLen, 1);
        double rate;
        try {
            rate = requestRate.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(requestRate);
        } catch (NumberFormatException e) {
            rate = Double.NaN;
        }
        if (!(rate > 0)) throw Flags.usage(spec, "--request-rate must be a number > 0 or inf (got " + requestRate + ")");
        ServeBenchReport report = ServeBench.run(new ServeBenchOptions(url, model, apiKey, numPrompts, concurrency, inputLen,
                outputLen, rate, seed));
        var out = spec.commandLine().getOut();
        out.print(output.json() ? report.json() + "\n" : report.text());
        out.flush();
        if (report.completed() == 0) throw new CliException("no request succeeded against " + url + " (is the server running?)");
        return 0;
    }
}
