package org.tramontane.corpus;

import static org.tramontane.corpus.Corpus.model;
import static org.tramontane.corpus.Corpus.write;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** W8A8 checkpoints with a broken description or int8 weights, and quantize's own mistakes. */
class QuantCorpusTest {
    static final String ST = "quant_model_weight_w8a8_dynamic.safetensors";
    static final String DESC = "quant_model_description.json";
    static final String Q0 = "model.layers.0.self_attn.q_proj.weight";

    static Path w8a8(Path d) throws Exception {
        return model(d, "tiny-mixtral-w8a8", "model");
    }

    static Case.Setup weights(Tensors.Edit edit) {
        return d -> {
            Path m = w8a8(d);
            Tensors.edit(m.resolve(ST), edit);
            return WeightsCorpusTest.generate(m);
        };
    }

    /** The description with {@code from} replaced by {@code to}. */
    static Case.Setup description(String from, String to) {
        return d -> {
            Path m = w8a8(d);
            String text = Files.readString(m.resolve(DESC));
            if (!text.contains(from)) throw new AssertionError(DESC + " lacks " + from);
            write(m.resolve(DESC), text.replace(from, to));
            return WeightsCorpusTest.generate(m);
        };
    }

    static Case.Setup config(String from, String to) {
        return d -> {
            Path m = w8a8(d);
            write(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace(from, to));
            return WeightsCorpusTest.generate(m);
        };
    }

    static Stream<Case> cases() {
        String scale = Q0 + "_scale";
        String offset = Q0 + "_offset";
        return Stream.of(
                Case.user("non-zero weight_offset", weights(t -> t.get(offset).floats().putFloat(0, 3f)), offset, ST),
                Case.user("NaN weight_scale", weights(t -> t.get(scale).floats().putFloat(0, Float.NaN)), scale, ST),
                Case.user("missing weight_scale tensor", weights(t -> t.remove(scale)), scale),
                Case.user("missing weight_offset tensor", weights(t -> t.remove(offset)), offset),
                Case.user("weight_scale of the wrong shape", weights(t -> {
                    t.get(scale).shape = new long[] {32, 2};
                }), scale),
                Case.user("W8A8 weight stored as F32", weights(t -> {
                    Tensors.Tensor q = t.get(Q0);
                    q.dtype = "F32";
                    q.shape = new long[] {16, 64};
                }), Q0),
                Case.user("description lacks a weight_scale entry",
                        description("\"" + scale + "\": \"W8A8_DYNAMIC\",", ""), DESC, scale),
                Case.user("description lacks a weight_offset entry",
                        description("\"" + offset + "\": \"W8A8_DYNAMIC\",", ""), DESC, offset),
                Case.user("description lacks a weight entry", description("\"" + Q0 + "\": \"W8A8_DYNAMIC\",", ""), DESC, Q0),
                Case.user("description's model_quant_type contradicts config.json",
                        description("\"model_quant_type\": \"W8A8_DYNAMIC\"", "\"model_quant_type\": \"W8A16\""), DESC, "config.json"),
                Case.user("description labels an int8 weight FLOAT", description("\"" + Q0 + "\": \"W8A8_DYNAMIC\"",
                        "\"" + Q0 + "\": \"FLOAT\""), DESC, Q0),
                Case.user("description label unknown", description("\"" + Q0 + "\": \"W8A8_DYNAMIC\"",
                        "\"" + Q0 + "\": \"W4A4\""), DESC, "W4A4"),
                Case.user("description not JSON", description("\"version\"", "version"), DESC),
                Case.user("description without model_quant_type", description("\"model_quant_type\": \"W8A8_DYNAMIC\",", ""),
                        DESC, "model_quant_type"),
                Case.user("description missing", d -> {
                    Path m = w8a8(d);
                    Files.delete(m.resolve(DESC));
                    return WeightsCorpusTest.generate(m);
                }, DESC),
                Case.user("config's quantize unknown", config("\"quantize\": \"w8a8_dynamic\"", "\"quantize\": \"w4a4\""),
                        "config.json", "quantize"),
                Case.user("config says float over int8 weights", config(",\n  \"quantize\": \"w8a8_dynamic\"", ""), Q0),
                Case.user("quantize into a non-empty --save-directory", d -> {
                    Files.createDirectories(d.resolve("out"));
                    Files.writeString(d.resolve("out/x"), "x");
                    return quantizeArgs(model(d), d.resolve("out"));
                }, "--save-directory"),
                Case.user("quantize into a file", d -> {
                    Files.writeString(d.resolve("out"), "x");
                    return quantizeArgs(model(d), d.resolve("out"));
                }, "--save-directory"),
                Case.user("quantize from a missing --model-path", d -> quantizeArgs(d.resolve("none"), d.resolve("out")),
                        "--model-path"),
                Case.user("quantize a NaN weight", d -> {
                    Path m = model(d);
                    Tensors.edit(m.resolve(WeightsCorpusTest.ST), t -> t.get(Q0).floats().putFloat(0, Float.NaN));
                    return quantizeArgs(m, d.resolve("out"));
                }, Q0),
                Case.user("quantize an int8 checkpoint", d -> quantizeArgs(w8a8(d), d.resolve("out")), "--model-path"));
    }

    static String[] quantizeArgs(Path src, Path dst) {
        return Corpus.args("quantize", "--model-path", src.toString(), "--save-directory", dst.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Case c) throws Exception {
        Corpus.check(c);
    }
}
