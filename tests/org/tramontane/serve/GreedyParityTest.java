package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.BackendKind;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.TokenListener;
import org.tramontane.testing.Fixtures;

/**
 * Greedy tokens through /v1/completions with token-id prompts equal {@code generate}'s (the engine
 * directly) on tiny-mixtral's golden prompts: one request at a time, 8 at once with mixed lengths,
 * and on a KV pool so small that the batch preempts.
 */
class GreedyParityTest {
    private static final int BLOCK_SIZE = 4;

    private static List<int[]> prompts() {
        List<int[]> out = new ArrayList<>();
        for (JsonNode p : Fixtures.json(TestServer.modelDir().resolve("golden.json")).get("prompts")) {
            out.add(Fixtures.ints(p.get("prompt_ids")));
        }
        return out;
    }

    /** Mixed output lengths: 5..19 tokens. */
    private static int maxTokens(int i) {
        return 5 + (i * 7) % 15;
    }

    private static List<int[]> generated(List<int[]> prompts) {
        return generated(prompts, BackendKind.CPU, 1);
    }

    private static List<int[]> generated(List<int[]> prompts, BackendKind backend, int worldSize) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            reqs.add(new GenerationRequest(prompts.get(i), maxTokens(i), true, SamplingParams.greedy()));
        }
        try (LlmEngine engine = TestServer.open(new EngineOptions(BLOCK_SIZE, 0, 8, 0), backend, worldSize)) {
            List<int[]> out = new ArrayList<>();
            for (GenerationResult r : engine.generate(reqs, TokenListener.NONE)) out.add(r.outputIds());
            return out;
        }
    }

    private static CompletableFuture<HttpResponse<String>> complete(TestServer s, int[] prompt, int maxTokens) {
        String body = "{\"model\":\"tiny\",\"prompt\":" + Arrays.toString(prompt) + ",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"ignore_eos\":true,\"logprobs\":0}";
        return s.client.sendAsync(java.net.http.HttpRequest.newBuilder(s.uri("/v1/completions"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The ids of a completion, read back through its logprobs' token texts: compared as texts of generate's ids. */
    private static void assertSameTokens(TestServer s, int[] expected, HttpResponse<String> response, String what) {
        assertEquals(200, response.statusCode(), response.body());
        JsonNode choice = TestServer.json(response.body()).get("choices").get(0);
        assertEquals("length", choice.get("finish_reason").asText(), what);
        assertEquals(s.engine.tokenizer().decode(expected, true), choice.get("text").asText(), what);
        JsonNode tokens = choice.get("logprobs").get("tokens");
        assertEquals(expected.length, tokens.size(), what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(TokenText.of(s.engine.tokenizer(), expected[i]), tokens.get(i).asText(), what + " token " + i);
        }
        assertEquals(expected.length, TestServer.json(response.body()).get("usage").get("completion_tokens").asInt());
    }

    @Test
    void aloneAndEightAtOnceTheServerPicksGeneratesTokens() throws Exception {
        List<int[]> prompts = prompts();
        assertEquals(8, prompts.size());
        List<int[]> expected = generated(prompts);
        try (TestServer s = TestServer.start(new EngineOptions(BLOCK_SIZE, 256, 8, 0), null, 64)) {
            for (int i = 0; i < prompts.size(); i++) {
                assertSameTokens(s, expected.get(i), complete(s, prompts.get(i), maxTokens(i)).get(), "alone, prompt " + i);
            }
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) all.add(complete(s, prompts.get(i), maxTokens(i)));
            for (int i = 0; i < prompts.size(); i++) assertSameTokens(s, expected.get(i), all.get(i).get(), "concurrent, prompt " + i);
            assertEquals(0.0, s.metric("vllm:num_preemptions_total"), "a roomy pool never preempts");
        }
    }

    @Test
    void onTheAscendSimulatorAtWorldSizeTwoTheServerPicksGeneratesTokens() throws Exception {
        List<int[]> prompts = prompts().subList(0, 4);
        List<int[]> expected = generated(prompts, BackendKind.ASCEND_SIM, 2);
        LlmEngine engine = TestServer.open(new EngineOptions(BLOCK_SIZE, 128, 8, 0), BackendKind.ASCEND_SIM, 2);
        try (TestServer s = TestServer.start(engine, null, 64)) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) all.add(complete(s, prompts.get(i), maxTokens(i)));
            for (int i = 0; i < prompts.size(); i++) assertSameTokens(s, expected.get(i), all.get(i).get(), "prompt " + i);
        }
    }

    @Test
    void aTinyPoolPreemptsAndKeepsTheGreedyTokens() throws Exception {
        List<int[]> prompts = prompts();
        List<int[]> expected = generated(prompts);
        // the longest request (62 + 19 positions) fits in 21 blocks of 4; all eight need far more
        try (TestServer s = TestServer.start(new EngineOptions(BLOCK_SIZE, 23, 8, 0, 16), null, 64)) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) all.add(complete(s, prompts.get(i), maxTokens(i)));
            for (int i = 0; i < prompts.size(); i++) assertSameTokens(s, expected.get(i), all.get(i).get(), "prompt " + i);
            assertTrue(s.metric("vllm:num_preemptions_total") > 0, "the tiny pool preempts");
            assertEquals(0.0, s.metric("vllm:kv_cache_usage_perc"));
            assertEquals(s.loop.stats().numBlocks(), s.loop.stats().numFreeBlocks(), "every block is back in the pool");
        }
    }
}
