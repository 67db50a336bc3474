package org.tramontane.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.tramontane.backend.Backend;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;
import org.tramontane.config.ConfigException;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.config.Preset;
import org.tramontane.kvcache.PrefixCacheStats;
import org.tramontane.model.MixtralLoader;
import org.tramontane.model.CausalLm;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.InProcessGroup;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.tokenizer.Tokenizer;
import org.tramontane.tokenizer.ChatTemplate;

/**
 * A loaded model ready to generate: backend, weights, tokenizer and generator, closed together.
 * It owns prompt encoding ({@link #encode}): the tokenizer, and the chat template of the
 * tokenizer directory (a checkpoint's own, or the one a {@link Preset} names).
 */
public final class LlmEngine implements AutoCloseable {
    /** A collective that waits longer than this for the other ranks fails instead of hanging. */
    static final long COLLECTIVE_TIMEOUT_SECONDS = 600;

    private final MixtralConfig config;
    private final Path tokenizerDir;
    private final Tokenizer tokenizer;
    private final Precision precision;
    private final List<Backend> backends;
    private final CausalLm model;
    private final EngineOptions options;
    private final KvPool kvPool;
    /** Made on the first generate call, when the default pool is sized for its requests. */
    private Generator generator;
    private final long loadMillis;
    /** Read on the first chat prompt: a base model's directory may have no usable template. */
    private ChatTemplate chatTemplate;
    /** Why prefix caching, asked for, is off; empty when it runs as asked. */
    private final Optional<String> prefixCachingNotice;

    private LlmEngine(MixtralConfig config, Path tokenizerDir, Tokenizer tokenizer, Precision precision,
            List<Backend> backends, CausalLm model, EngineOptions options, KvPool kvPool, long loadMillis,
            Optional<String> prefixCachingNotice) {
        this.config = config;
        this.tokenizerDir = tokenizerDir;
        this.tokenizer = tokenizer;
        this.precision = precision;
        this.backends = backends;
        this.model = model;
        this.options = options;
        this.kvPool = kvPool;
        this.loadMillis = loadMillis;
        this.prefixCachingNotice = prefixCachingNotice;
    }

    public static LlmEngine open(ModelSource source, EngineOptions options) {
        long t0 = System.nanoTime();
        boolean dummy = source.loadFormat() == ModelSource.LoadFormat.DUMMY;
        Path configFile = dummy ? source.path() : source.path().resolve("config.json");
        if (!dummy && !Files.isDirectory(source.path())) {
            throw new ConfigException(source.path() + ": model directory not found (--model)");
        }
        MixtralConfig cfg;
        Path tokDir;
        if (dummy) {
            Preset preset = MixtralConfigReader.readPreset(configFile);
            cfg = preset.config();
            tokDir = preset.tokenizerDir();
        } else {
            cfg = MixtralConfigReader.read(configFile);
            tokDir = source.path();
        }
        Tokenizer tok = Tokenizer.load(tokDir);
        Tokenizer.requireCovers(tok, tokDir, cfg.vocabSize());
        DType dtype = source.dtype() != null ? source.dtype() : cfg.torchDtype();
        if (source.threads() > 0) source.backend().platform().setThreads(source.threads());
        int ws = source.worldSize();
        ShardingPlan.validate(cfg, ws);
        Precision precision = Precision.of(dtype);
        DType kvDtype = options.kvCacheDtype().resolve(precision);
        // an NPU's memory is its own; the host holds only what the backend stages
        if (source.backend() != BackendKind.ASCEND) {
            MemoryPlan.of(cfg, precision, cfg.quantize().orElse(source.quantize()), options, kvDtype).check(source.path().toString());
        }
        List<Backend> backends = source.backend().createGroup(precision, ws, COLLECTIVE_TIMEOUT_SECONDS);
        List<CausalLm> ranks = new ArrayList<>();
        InProcessGroup group = new InProcessGroup(ws, COLLECTIVE_TIMEOUT_SECONDS);
        List<Communicator> comms = new ArrayList<>();
        try {
            backends.get(0).checkKvCacheDtype(kvDtype);
            for (int r = 0; r < ws; r++) {
                Backend backend = backends.get(r);
                ShardingPlan plan = ShardingPlan.of(cfg, ws, r);
                Communicator comm = ws == 1 ? Communicator.single() : group.rank(r);
                comms.add(comm);
                MixtralLoader.Rank rank = new MixtralLoader.Rank(backend, plan, comm, options.kvCacheDtype());
                ranks.add(dummy ? MixtralLoader.dummy(cfg, rank, source.quantize())
                        : MixtralLoader.load(source.path(), cfg, rank, source.quantize()));
            }
            CausalLm model = ws == 1 ? ranks.get(0) : new TensorParallelLm(ranks, comms);
            // free memory read once the weights are in: a device backend's cache is not in host memory
            KvPool pool = new KvPool(options, KvPool.bytesPerBlock(cfg, ws, options.blockSize(), kvDtype),
                    source.backend() == BackendKind.ASCEND ? OptionalLong.empty() : HostMemory.available());
            EngineOptions sized = options.withModelLen(cfg.maxPositionEmbeddings());
            Optional<String> notice = Optional.empty();
            if (sized.enablePrefixCaching() && !backends.get(0).prefillsAfterCachedPrefix()) {
                sized = sized.withPrefixCaching(false);
                notice = Optional.of("prefix caching is off: the " + backends.get(0).name()
                        + " backend cannot prefill after a cached prefix yet");
            }
            int fixed = pool.fixedBlocks();
            return new LlmEngine(cfg, tokDir, tok, precision, backends, model, fixed > 0 ? sized.withNumBlocks(fixed) : sized,
                    pool, (System.nanoTime() - t0) / 1_000_000, notice);
        } catch (RuntimeException e) {
            for (CausalLm m : ranks) m.close();
            for (Backend b : backends) b.close();
            throw e;
        }
    }

    public MixtralConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Path tokenizerDir() {
        return tokenizerDir;
    }

    public Precision precision() {
        return precision;
    }

    public int worldSize() {
        return backends.size();
    }

    public long loadMillis() {
        return loadMillis;
    }

    /** The prompt's token ids: text with BOS, a conversation through the chat template, or ids as given. */
    public int[] encode(Prompt prompt) {
        if (prompt instanceof Prompt.Text t) return tokenizer.encode(t.text(), true);
        // the rendered text starts with the BOS token as text
        if (prompt instanceof Prompt.Chat c) return tokenizer.encode(chatTemplate().render(c.messages()), false);
        return ((Prompt.Ids) prompt).ids().clone();
    }

    private synchronized ChatTemplate chatTemplate() {
        if (chatTemplate == null) chatTemplate = ChatTemplate.load(tokenizerDir);
        return chatTemplate;
    }

    public synchronized List<GenerationResult> generate(List<GenerationRequest> requests, TokenListener listener) {
        if (generator == null) {
            generator = new Generator(model, options.numBlocks() > 0 ? options
                    : options.withNumBlocks(kvPool.forRequests(requests)), tokenizer.eosId());
        }
        return generator.generate(requests, listener);
    }

    /** Whether sequences reuse cached prefix blocks: as asked, unless the backend cannot ({@link #prefixCachingNotice}). */
    public boolean prefixCaching() {
        return options.enablePrefixCaching();
    }

    /** The line to tell the user once when prefix caching was asked for and the backend cannot take it. */
    public Optional<String> prefixCachingNotice() {
        return prefixCachingNotice;
    }

    /** Prompt tokens looked up in the prefix cache and found there, over every {@link #generate} call. */
    public synchronized PrefixCacheStats prefixCacheStats() {
        return generator == null ? PrefixCacheStats.NONE : generator.prefixCacheStats();
    }

    /** A continuous engine loop for a server ({@code serve}); close it before this engine. */
    public EngineLoop startLoop(int maxQueue) {
        return new EngineLoop(model, options, tokenizer, maxQueue);
    }

    @Override
    public void close() {
        model.close();
        for (int r = 0; r < backends.size(); r++) {
            // a rank abandoned when its group stopped may still be inside a native call on its device
            if (!(model instanceof TensorParallelLm tp && tp.abandoned(r))) backends.get(r).close();
        }
    }
}
