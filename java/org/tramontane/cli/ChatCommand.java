package org.tramontane.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.Prompt;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.tokenizer.ChatMessage;
import org.tramontane.tokenizer.IncrementalDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Interactive multi-turn chat with the Mixtral Instruct template; tokens are streamed as they come."
                + " Type /reset to start over, /exit (or end of input) to quit.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ParallelOptions parallel;

    @Mixin
    KvCacheOptions kv;

    @Mixin
    PrefixCachingOption prefixCaching;

    @Option(names = "--max-context", paramLabel = "N", defaultValue = "8192",
            description = "KV-cache positions reserved for the conversation. Default: ${DEFAULT-VALUE}.")
    int maxContext;

    @Override
    public Integer call() throws IOException {
        sampling.params();
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        boolean verbose = Main.verbose(spec.root().commandLine().getParseResult());
        int contextBlocks = BlockTable.blocksFor(Flags.atLeast(spec, "--max-context", maxContext, 1), EngineOptions.DEFAULT_BLOCK_SIZE);
        // a --kv-cache-memory budget sizes the pool instead of --max-context
        EngineOptions opts = prefixCaching.apply(
                kv.apply(new EngineOptions(EngineOptions.DEFAULT_BLOCK_SIZE, kv.memory == null ? contextBlocks : 0, 1, 0)), false);
        try (LlmEngine engine = LlmEngine.open(model.toSource(parallel.resolve()), opts)) {
            PrefixCachingOption.noteIfOff(engine, err);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<ChatMessage> history = new ArrayList<>();
            out.println("tramontane chat (" + engine.config().numLayers() + " layers, " + engine.precision()
                    + "); /reset clears the conversation, /exit quits.");
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.strip().equals("/reset")) {
                    history.clear();
                    continue;
                }
                if (line.isBlank()) continue;
                history.add(ChatMessage.user(line));
                int[] ids = engine.encode(Prompt.chat(history));
                IncrementalDecoder dec = engine.tokenizer().newDecoder();
                GenerationRequest req = new GenerationRequest(ids, sampling.maxOutputLength, sampling.ignoreEos,
                        sampling.params());
                GenerationResult r = engine.generate(List.of(req), (i, step, token, logits) -> {
                    out.print(dec.push(token));
                    out.flush();
                }).get(0);
                out.println(dec.finish());
                if (verbose) {
                    err.println("prefix cache: " + r.numCachedTokens() + " of " + ids.length + " prompt tokens cached");
                    err.flush();
                }
                history.add(ChatMessage.assistant(engine.tokenizer().decode(r.outputIds(), true)));
            }
        }
        out.flush();
        return 0;
    }
}
