package org.tramontane.serve;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tramontane.engine.TokenOutput;
import org.tramontane.serve.api.ChatCompletion;
import org.tramontane.serve.api.Usage;
import org.tramontane.tokenizer.Tokenizer;

/**
 * {@code /v1/chat/completions}: object "chat.completion" with a message per choice, or
 * "chat.completion.chunk" with deltas (the first one carrying the assistant role); logprobs as
 * content[] of token / logprob / bytes / top_logprobs.
 */
final class ChatShape implements ResponseShape {
    private static final String ROLE = "assistant";
    private final Tokenizer tokenizer;

    ChatShape(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public String opening(Header h, int index) {
        var choice = new ChatCompletion.Choice(index, null, new ChatCompletion.Message(ROLE, ""), null, null);
        return chunkOf(h, List.of(choice), null);
    }

    @Override
    public String chunk(Header h, ChoicePart p) {
        var delta = new ChatCompletion.Message(null, p.finishReason() != null && p.text().isEmpty() ? null : p.text());
        var choice = new ChatCompletion.Choice(p.index(), null, delta, logprobs(p.tokens()), p.finishReason());
        return chunkOf(h, List.of(choice), null);
    }

    @Override
    public String usageChunk(Header h, Usage usage) {
        return chunkOf(h, List.of(), usage);
    }

    @Override
    public String answer(Header h, List<ChoicePart> choices, Usage usage) {
        List<ChatCompletion.Choice> out = new ArrayList<>();
        for (ChoicePart p : choices) {
            out.add(new ChatCompletion.Choice(p.index(), new ChatCompletion.Message(ROLE, p.text()), null, logprobs(p.tokens()),
                    p.finishReason()));
        }
        return Json.write(new ChatCompletion(h.id(), "chat.completion", h.created(), h.model(), out, usage));
    }

    private static String chunkOf(Header h, List<ChatCompletion.Choice> choices, Usage usage) {
        return Json.write(new ChatCompletion(h.id(), "chat.completion.chunk", h.created(), h.model(), choices, usage));
    }

    private ChatCompletion.Logprobs logprobs(List<TokenOutput> tokens) {
        if (tokens == null) return null;
        List<ChatCompletion.TokenLogprob> content = new ArrayList<>();
        for (TokenOutput t : tokens) {
            List<ChatCompletion.TopLogprob> top = new ArrayList<>();
            for (int i = 0; i < t.logprobs().topIds().length; i++) {
                String text = TokenText.of(tokenizer, t.logprobs().topIds()[i]);
                top.add(new ChatCompletion.TopLogprob(text, t.logprobs().topLogprobs()[i], bytes(text)));
            }
            String text = TokenText.of(tokenizer, t.tokenId());
            content.add(new ChatCompletion.TokenLogprob(text, t.logprobs().logprob(), bytes(text), top));
        }
        return new ChatCompletion.Logprobs(content);
    }

    private static int[] bytes(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xFF;
        return out;
    }
}
