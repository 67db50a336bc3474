package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiLanguageModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.Response;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;

/**
 * LangChain4j's OpenAI models (its own JDK-HttpClient transport, HTTP/2 by default) against the
 * server: a chat, a streamed chat and a completion, with an API key.
 */
class LangChain4jTest {
    private static final String KEY = "lc4j-key";
    private static TestServer server;
    private static String baseUrl;

    @BeforeAll
    static void start() {
        server = TestServer.start(new EngineOptions(16, 64, 8, 0), KEY, 64);
        baseUrl = "http://127.0.0.1:" + server.server.port() + "/v1";
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void aChatWithASystemMessage() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName(TestServer.MODEL)
                .temperature(0.0).maxTokens(5).build();
        ChatResponse r = model.chat(SystemMessage.from("Be brief."), UserMessage.from("Hello!"));
        assertEquals(5, r.tokenUsage().outputTokenCount());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertTrue(r.tokenUsage().inputTokenCount() > 5);
        assertTrue(!r.aiMessage().text().isEmpty());
    }

    @Test
    void aStreamedChatEqualsTheWholeOne() throws Exception {
        String whole = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName(TestServer.MODEL).temperature(0.0)
                .maxTokens(6).build().chat("Tell me a story");
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey(KEY)
                .modelName(TestServer.MODEL).temperature(0.0).maxTokens(6).build();
        StringBuilder parts = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("Tell me a story", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                parts.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(whole, parts.toString());
        assertEquals(whole, r.aiMessage().text());
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void aCompletion() {
        OpenAiLanguageModel model = OpenAiLanguageModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName(TestServer.MODEL)
                .temperature(0.0).build();
        Response<String> r = model.generate("The capital of France is");
        assertTrue(r.content() != null && !r.content().isEmpty());
        assertTrue(r.tokenUsage().outputTokenCount() > 0);
    }
}
