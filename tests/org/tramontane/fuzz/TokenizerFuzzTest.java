package org.tramontane.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.tramontane.tokenizer.Tokenizer;

/**
 * tokenizer.json and the SentencePiece tokenizer.model. A tokenizer that loads must also encode and
 * decode: text with a special token, bytes outside the pieces (byte fallback) and a surrogate pair,
 * and every low id back to text.
 */
class TokenizerFuzzTest {
    private static final String TEXT = "The mistral <s> blows, ü 中 😀\n\t  end</s>";
    private static final int DECODED_IDS = 300;
    private static final Path JSON_DIR = dir("json");
    private static final Path MODEL_DIR = dir("model");

    @FuzzTest(maxDuration = "30s")
    void tokenizerJson(byte[] data) {
        Contract.write(JSON_DIR.resolve("tokenizer.json"), data);
        Contract.parsesOrRefuses(JSON_DIR, () -> exercise(Tokenizer.load(JSON_DIR)));
    }

    /** BOS and EOS come from the model's trainer_spec here: no special_tokens_map.json beside it. */
    @FuzzTest(maxDuration = "30s")
    void sentencePieceModel(byte[] data) {
        Contract.write(MODEL_DIR.resolve("tokenizer.model"), data);
        Contract.parsesOrRefuses(MODEL_DIR, () -> exercise(Tokenizer.load(MODEL_DIR)));
    }

    private static void exercise(Tokenizer t) {
        int[] ids = t.encode(TEXT, true);
        t.decode(ids, false);
        t.decode(ids, true);
        int[] low = new int[Math.min(t.vocabSize(), DECODED_IDS)];
        for (int i = 0; i < low.length; i++) low[i] = i;
        t.decode(low, false);
        var decoder = t.newDecoder();
        for (int id : low) decoder.push(id);
        decoder.finish();
    }

    /** tokenizer.json names its BOS and EOS in special_tokens_map.json, as the fixtures' do. */
    private static Path dir(String name) {
        Path d = Contract.scratch("tokenizer-" + name);
        if (name.equals("json")) {
            Contract.write(d.resolve("special_tokens_map.json"),
                    "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"unk_token\": \"<unk>\"}".getBytes(StandardCharsets.UTF_8));
        }
        return d;
    }
}
