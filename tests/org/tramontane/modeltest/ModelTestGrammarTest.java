package org.tramontane.modeltest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.config.DType;

/** MindIE's positional grammar: what it accepts, and one clear line for everything it does not. */
class ModelTestGrammarTest {
    private static ModelTestArgs parse(String line) {
        return ModelTestGrammar.parse(Arrays.asList(line.split(" ")));
    }

    private static String error(String line) {
        GrammarException e = assertThrows(GrammarException.class, () -> parse(line));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void boolqAsInMindieReadme() {
        ModelTestArgs a = parse("pa_fp16 full_BoolQ 1 mixtral /data/Mixtral-8x7B 8");
        assertEquals("pa_fp16", a.modelType());
        assertEquals(DType.F16, a.dtype());
        assertEquals(Mode.FULL_BOOLQ, a.mode());
        assertEquals(List.of(), a.casePairs());
        assertEquals(List.of(1), a.batchSizes());
        assertEquals(PromptFormat.BASE, a.promptFormat());
        assertEquals("/data/Mixtral-8x7B", a.weights());
        assertFalse(a.trustRemoteCode());
        assertEquals(8, a.chipNum());
    }

    @Test
    void performanceAsInMindieReadme() {
        ModelTestArgs a = parse("pa_bf16 performance [[2048,2048],[1024,1024],[512,512],[256,256]] 1 mixtral w 8");
        assertEquals(DType.BF16, a.dtype());
        assertEquals(Mode.PERFORMANCE, a.mode());
        assertEquals(List.of(new CasePair(2048, 2048), new CasePair(1024, 1024), new CasePair(512, 512),
                new CasePair(256, 256)), a.casePairs());
    }

    @Test
    void chatBaseAndTrustRemoteCode() {
        ModelTestArgs chat = parse("pa_fp16 full_BoolQ 4 mixtral chat w trust_remote_code 2");
        assertEquals(PromptFormat.CHAT, chat.promptFormat());
        assertTrue(chat.trustRemoteCode());
        assertEquals(2, chat.chipNum());
        assertEquals(PromptFormat.BASE, parse("pa_fp16 full_BoolQ 4 mixtral base w 1").promptFormat());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"4;4", "1,4;1,4", "[1,4];1,4", "[8];8", "16,8,1;16,8,1"})
    void batchForms(String batch, String expected) {
        List<Integer> want = Arrays.stream(expected.split(",")).map(Integer::valueOf).toList();
        assertEquals(want, parse("pa_fp16 full_BoolQ " + batch + " mixtral w 1").batchSizes());
    }

    // ---- usage errors: each names the argument at fault ----

    @Test
    void missingArguments() {
        assertTrue(assertThrows(GrammarException.class, () -> ModelTestGrammar.parse(List.of())).getMessage()
                .contains("missing model type"));
        assertTrue(error("pa_fp16").contains("missing MODE"));
        assertTrue(error("pa_fp16 performance").contains("missing CASE_PAIRS"));
        assertTrue(error("pa_fp16 full_BoolQ").contains("missing BATCH"));
        assertTrue(error("pa_fp16 full_BoolQ 1").contains("missing MODEL"));
        assertTrue(error("pa_fp16 full_BoolQ 1 mixtral").contains("missing WEIGHTS"));
        assertTrue(error("pa_fp16 full_BoolQ 1 mixtral w").contains("missing CHIP_NUM"));
        assertTrue(error("pa_fp16 full_BoolQ 1 mixtral chat w trust_remote_code").contains("missing CHIP_NUM"));
    }

    @Test
    void modelTypes() {
        assertTrue(error("fa full_BoolQ 1 mixtral w 1").contains("pa_fp16 and pa_bf16"));
        assertTrue(error("basic full_BoolQ 1 mixtral w 1").contains("not supported"));
        assertTrue(error("pa_fp32 full_BoolQ 1 mixtral w 1").contains("unknown model type 'pa_fp32'"));
    }

    @ParameterizedTest
    @CsvSource({"full_CEval", "full_MMLU", "full_GSM8K", "performance_maxbs", "performance_single", "precision_single",
            "simplified_GSM8K", "edge_BoolQ", "full_HumanEval"})
    void otherMindieModesAreNotSupportedYet(String mode) {
        String m = error("pa_fp16 " + mode + " 1 mixtral w 1");
        assertTrue(m.contains("mode " + mode + " is not supported yet"), m);
        assertTrue(m.contains("full_BoolQ, performance"), m);
    }

    @Test
    void unknownMode() {
        String m = error("pa_fp16 full_boolq 1 mixtral w 1");
        assertTrue(m.contains("unknown mode 'full_boolq'") && m.contains("full_BoolQ, performance"), m);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"[256,64];malformed CASE_PAIRS", "[[256,64],[128]];malformed CASE_PAIRS",
            "[[256,64]],;malformed CASE_PAIRS", "[[a,1]];malformed CASE_PAIRS", "1;malformed CASE_PAIRS",
            "[[0,64]];input length must be a positive integer", "[[256,1]];output length must be >= 2",
            "[[99999999999,4]];must be a positive integer"})
    void malformedCasePairs(String pairs, String mention) {
        String m = error("pa_fp16 performance " + pairs + " 1 mixtral w 1");
        assertTrue(m.contains(mention), m);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"0;BATCH must be a positive integer", "a;malformed BATCH", "1,;malformed BATCH",
            "[1,4;malformed BATCH", "1,4];malformed BATCH", "[[1,2],[4]];per-case batch sizes", "-1;malformed BATCH"})
    void malformedBatch(String batch, String mention) {
        String m = error("pa_fp16 full_BoolQ " + batch + " mixtral w 1");
        assertTrue(m.contains(mention), m);
    }

    @Test
    void modelNameAndShots() {
        assertTrue(error("pa_fp16 full_BoolQ 1 llama w 1").contains("model llama is not supported: tramontane runs mixtral"));
        assertTrue(error("pa_fp16 full_BoolQ 5 1 mixtral w 1").contains("shots/ctx_len"));
    }

    @Test
    void chipNumAndTrailingArguments() {
        assertTrue(error("pa_fp16 full_BoolQ 1 mixtral w 0").contains("CHIP_NUM must be a positive integer"));
        assertTrue(error("pa_fp16 full_BoolQ 1 mixtral w eight").contains("CHIP_NUM must be a positive integer"));
        assertTrue(error("pa_fp16 full_BoolQ 1 mixtral w 8 [1,8,1,1,1,1,1,1]").contains("unexpected argument"));
        assertTrue(error("pa_fp16 full_BoolQ 1 mixtral lora /p w 8").contains("lora"));
    }
}
