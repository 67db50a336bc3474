package org.tramontane.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.UUID;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.Prompt;
import org.tramontane.serve.api.DetokenizeBody;
import org.tramontane.serve.api.GenerateBody;
import org.tramontane.serve.api.ModelList;
import org.tramontane.serve.api.TokenizeBody;

/**
 * The OpenAI routes as vLLM serves them, each with and without the {@code /v1} prefix. Handlers only
 * parse, check and enqueue; the engine loop streams the output back through an {@link Exchange}.
 */
final class Routes extends Handler.Abstract {
    private static final String JSON = "application/json";
    private final ServeOptions options;
    private final Metrics metrics;
    private final long startSeconds = System.currentTimeMillis() / 1000;
    private volatile ServingContext ctx;

    Routes(ServeOptions options, Metrics metrics) {
        this.options = options;
        this.metrics = metrics;
    }

    void ready(ServingContext context) {
        this.ctx = context;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        String route = path.startsWith("/v1/") ? path.substring(3) : path;
        try {
            if (route.equals("/health")) {
                requireMethod(request, "GET");
                if (ctx == null) throw new ApiException(503, "service_unavailable", null, "the model is loading");
                reply(response, callback, 200, "text/plain", "");
                return true;
            }
            authorize(request);
            ServingContext c = ctx;
            switch (route) {
                case "/models", "/completions", "/chat/completions", "/tokenize", "/detokenize", "/metrics" -> { }
                default -> throw new ApiException(404, "not_found_error", null, "no route " + path);
            }
            if (c == null) throw new ApiException(503, "service_unavailable", null, "the model is loading");
            switch (route) {
                case "/models" -> {
                    requireMethod(request, "GET");
                    var card = new ModelList.Model(c.modelName(), "model", startSeconds, "tramontane", c.loop().maxModelLen());
                    reply(response, callback, 200, JSON, Json.write(new ModelList("list", List.of(card))));
                }
                case "/metrics" -> {
                    requireMethod(request, "GET");
                    reply(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render(c.loop().stats()));
                }
                case "/tokenize" -> tokenize(c, body(request, TokenizeBody.class), response, callback);
                case "/detokenize" -> detokenize(c, body(request, DetokenizeBody.class), response, callback);
                default -> generate(c, route.equals("/completions") ? Endpoint.COMPLETIONS : Endpoint.CHAT,
                        body(request, GenerateBody.class), request, response, callback);
            }
        } catch (ApiException e) {
            drain(request);
            reply(response, callback, e.status, JSON, Json.write(e.body()));
        } catch (RuntimeException e) {
            ApiException err = new ApiException(500, "server_error", null, e.toString());
            reply(response, callback, 500, JSON, Json.write(err.body()));
        }
        return true;
    }

    private void generate(ServingContext c, Endpoint endpoint, GenerateBody body, Request request, Response response,
            Callback callback) {
        GenerationPlan plan = GenerationPlan.of(body, endpoint, c);
        ResponseShape shape = endpoint == Endpoint.CHAT ? new ChatShape(c.tokenizer()) : new CompletionShape(c.tokenizer());
        String prefix = endpoint == Endpoint.CHAT ? "chatcmpl-" : "cmpl-";
        var header = new ResponseShape.Header(prefix + UUID.randomUUID().toString().replace("-", ""),
                System.currentTimeMillis() / 1000, c.modelName());
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, plan.stream() ? "text/event-stream; charset=utf-8" : JSON);
        if (plan.stream()) response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        EngineLoop loop = c.loop();
        Exchange exchange = new Exchange(plan, shape, header, onGone -> new AsyncWriter(response, callback, onGone), metrics, loop);
        var submission = loop.submit(plan.sequences(), exchange.sinks());
        if (submission.isEmpty()) {
            throw new ApiException(503, "service_unavailable", null, "the server is busy: the waiting queue is full (--max-queue "
                    + options.maxQueue() + "); retry later");
        }
        exchange.submitted(submission.get());
        request.addFailureListener(t -> exchange.clientGone());
    }

    private void tokenize(ServingContext c, TokenizeBody b, Response response, Callback callback) {
        if ((b.prompt() == null) == (b.messages() == null)) {
            throw ApiException.badRequest(null, "give one of 'prompt' or 'messages'");
        }
        if (b.model() != null && !b.model().equals(c.modelName())) {
            throw new ApiException(404, "not_found_error", "model", "The model `" + b.model() + "` does not exist.");
        }
        int[] ids;
        if (b.messages() != null) {
            ids = Prompts.chat(b.messages(), "messages", c);
        } else {
            // add_special_tokens (vLLM's, default true) is the BOS a text prompt gets
            ids = Boolean.FALSE.equals(b.addSpecialTokens()) ? c.tokenizer().encode(b.prompt(), false)
                    : c.engine().encode(Prompt.text(b.prompt()));
        }
        reply(response, callback, 200, JSON, Json.write(new TokenizeBody.Answer(ids.length, c.loop().maxModelLen(), ids)));
    }

    private void detokenize(ServingContext c, DetokenizeBody b, Response response, Callback callback) {
        if (b.tokens() == null) throw ApiException.badRequest("tokens", "'tokens' is required");
        if (b.model() != null && !b.model().equals(c.modelName())) {
            throw new ApiException(404, "not_found_error", "model", "The model `" + b.model() + "` does not exist.");
        }
        Prompts.checkIds(b.tokens(), "tokens", c);
        reply(response, callback, 200, JSON, Json.write(new DetokenizeBody.Answer(c.tokenizer().decode(b.tokens(), true))));
    }

    private static <T> T body(Request request, Class<T> type) {
        requireMethod(request, "POST");
        java.nio.ByteBuffer bytes;
        try {
            bytes = Content.Source.asByteBuffer(request);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "cannot read the request body: " + e.getMessage());
        }
        String text;
        try {
            // decoded here, not by Jetty: its decoder's error, thrown where the content arrives, can leave the
            // handler waiting forever
            text = StandardCharsets.UTF_8.newDecoder().decode(bytes).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ApiException.badRequest(null, "the request body is not valid UTF-8");
        }
        return Json.read(text, type);
    }

    /**
     * Reads what is left of a refused request's body: an HTTP/2 stream answered before its content
     * is read gets reset, and clients report the reset instead of the error.
     */
    private static void drain(Request request) {
        try {
            Content.Source.asString(request, StandardCharsets.UTF_8);
        } catch (java.io.IOException | RuntimeException ignored) {
            // the client is gone or sent nothing: the error reply still goes out when it can
        }
    }

    private static void requireMethod(Request request, String method) {
        if (!request.getMethod().equals(method)) {
            throw new ApiException(405, "invalid_request_error", null, request.getMethod() + " is not allowed here (use " + method + ")");
        }
    }

    /** Bearer --api-key on every route but /health; compared in constant time. */
    private void authorize(Request request) {
        if (options.apiKey() == null) return;
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] expected = ("Bearer " + options.apiKey()).getBytes(StandardCharsets.UTF_8);
        if (auth == null || !MessageDigest.isEqual(expected, auth.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "authentication_error", null, "Unauthorized: a valid 'Authorization: Bearer KEY' header is required");
        }
    }

    private static void reply(Response response, Callback callback, int status, String contentType, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType.startsWith("text/plain") || contentType.contains("charset")
                ? contentType : contentType + "; charset=utf-8");
        Content.Sink.write(response, true, body, callback);
    }
}
