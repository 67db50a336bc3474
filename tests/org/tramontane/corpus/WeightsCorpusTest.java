package org.tramontane.corpus;

import static org.tramontane.corpus.Corpus.model;
import static org.tramontane.corpus.Corpus.write;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Broken safetensors files, sharded indexes and weights of a float checkpoint, each refused at load. */
class WeightsCorpusTest {
    static final String ST = "model.safetensors";
    static final String Q0 = "model.layers.0.self_attn.q_proj.weight";

    static String[] generate(Path model) {
        return Corpus.args("generate", "--model", model.toString(), "--input-ids", "1,2", "--max-output-length", "2");
    }

    /** The tiny checkpoint with its safetensors file edited. */
    static Case.Setup edited(Tensors.Edit edit) {
        return d -> {
            Path m = model(d);
            Tensors.edit(m.resolve(ST), edit);
            return generate(m);
        };
    }

    /** The tiny checkpoint with its safetensors file replaced by {@code bytes}. */
    static Case.Setup bytes(byte[] bytes) {
        return d -> {
            Path m = model(d);
            Files.delete(m.resolve(ST));
            Files.write(m.resolve(ST), bytes);
            return generate(m);
        };
    }

    /** A safetensors file of the header {@code json} (length as stated) and {@code data} zero bytes. */
    static byte[] raw(long headerLen, String json, int data) {
        byte[] h = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLen).put(h).array();
    }

    static byte[] raw(String json, int data) {
        return raw(json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, json, data);
    }

    static Case poke(String tensor, float value) {
        return Case.user(value + " in " + tensor, edited(t -> t.get(tensor).floats().putFloat(4, value)), tensor, ST);
    }

    static Stream<Case> cases() {
        String e = "\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return Stream.of(
                poke(Q0, Float.NaN),
                poke("lm_head.weight", Float.POSITIVE_INFINITY),
                poke("model.embed_tokens.weight", Float.NEGATIVE_INFINITY),
                poke("model.layers.1.block_sparse_moe.experts.3.w2.weight", Float.NaN),
                poke("model.norm.weight", Float.NaN),
                Case.user("gap between tensors", edited(t -> t.gapAfterFirst = 16), ST, "gap"),
                Case.user("missing tensor", edited(t -> t.remove("model.layers.1.self_attn.o_proj.weight")),
                        "model.layers.1.self_attn.o_proj.weight"),
                Case.user("wrong shape", edited(t -> t.get(Q0).shape = new long[] {32, 128}), Q0),
                Case.user("F64 dtype", edited(t -> {
                    t.get(Q0).dtype = "F64";
                    t.get(Q0).shape = new long[] {32, 64};
                }), Q0),
                Case.user("unknown dtype", edited(t -> t.get(Q0).dtype = "Q4"), Q0, "Q4"),
                Case.user("truncated file", d -> {
                    Path m = model(d);
                    byte[] all = Files.readAllBytes(m.resolve(ST));
                    Files.delete(m.resolve(ST));
                    Files.write(m.resolve(ST), Arrays.copyOf(all, all.length - 100));
                    return generate(m);
                }, ST, "truncated"),
                Case.user("empty file", bytes(new byte[0]), ST),
                Case.user("five bytes", bytes(new byte[5]), ST),
                Case.user("header length beyond the limit", bytes(raw(1L << 40, "{}", 0)), ST, "limit"),
                Case.user("header length past the end", bytes(raw(100, "{}", 0)), ST),
                Case.user("header not JSON", bytes(raw("{\"t\":", 0)), ST, "JSON"),
                Case.user("header an array", bytes(raw("[1,2]", 0)), ST, "not a JSON object"),
                Case.user("trailing garbage after header", bytes(raw("{}xx", 0)), ST),
                Case.user("duplicate tensor", bytes(raw("{" + e + "," + e + "}", 8)), ST, "twice"),
                Case.user("offsets end before begin", bytes(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8)), ST),
                Case.user("offsets beyond data", bytes(raw(e, 4)), ST, "t"),
                Case.user("negative shape", bytes(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8)), ST),
                Case.user("overflowing shape", bytes(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                        + "\"data_offsets\":[0,8]}}", 8)), ST, "overflow"),
                Case.user("overlapping tensors", bytes(raw("{" + e + ",\"u\":{\"dtype\":\"F32\",\"shape\":[2],"
                        + "\"data_offsets\":[4,12]}}", 12)), ST, "overlap"),
                Case.user("metadata not an object", bytes(raw("{\"__metadata__\":3}", 0)), ST, "__metadata__"),
                Case.user("no weights at all", d -> {
                    Path m = model(d);
                    Files.delete(m.resolve(ST));
                    return generate(m);
                }, "model"),
                Case.user("index names a missing shard", index("{\"weight_map\":{\"" + Q0 + "\":\"model-00002.safetensors\"}}"),
                        "model-00002.safetensors"),
                Case.user("index not JSON", index("{\"weight_map\":"), "model.safetensors.index.json"),
                Case.user("index without weight_map", index("{\"metadata\":{}}"), "model.safetensors.index.json", "weight_map"),
                Case.user("index shard lacks its tensor", index("{\"weight_map\":{\"model.foo.weight\":\"" + ST + "\"}}"),
                        "model.foo.weight"),
                Case.user("config with fewer layers than the checkpoint", d -> {
                    Path m = model(d);
                    String cfg = Files.readString(m.resolve("config.json")).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1");
                    write(m.resolve("config.json"), cfg);
                    return generate(m);
                }, "model.layers.1."),
                Case.user("config with more layers than the checkpoint", d -> {
                    Path m = model(d);
                    String cfg = Files.readString(m.resolve("config.json")).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
                    write(m.resolve("config.json"), cfg);
                    return generate(m);
                }, "model.layers.2."),
                manifest("manifest not JSON", "{\"format\": \"tramontane\",\n  \"world_size\": ", "JSON", "line 2"),
                manifest("manifest empty", "", "manifest.json"),
                manifest("manifest null", "null", "null"),
                manifest("manifest an array", "[1,2]", "manifest.json"),
                manifest("manifest of another format", "{\"format\":\"gguf\",\"format_version\":1}", "gguf"));
    }

    /** The tiny checkpoint converted to the pre-sharded layout (world size 1), its manifest.json replaced by {@code json}. */
    static Case manifest(String name, String json, String... mentions) {
        String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("manifest.json"), Arrays.stream(mentions))
                .toArray(String[]::new);
        return Case.user(name, d -> {
            Path out = d.resolve("sharded");
            Corpus.Outcome o = Corpus.run("convert", "--from", "hf", "--to", "tramontane", "--input", model(d).toString(),
                    "--output", out.toString(), "--world-size", "1");
            if (o.code() != 0) throw new IllegalStateException("convert failed: " + o.err());
            Files.delete(out.resolve("manifest.json"));
            write(out.resolve("manifest.json"), json);
            return generate(out);
        }, all);
    }

    /** The tiny checkpoint behind a sharded index with {@code json}; the single file renamed to be its shard. */
    static Case.Setup index(String json) {
        return d -> {
            Path m = model(d);
            write(m.resolve("model.safetensors.index.json"), json);
            return generate(m);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Case c) throws Exception {
        Corpus.check(c);
    }
}
