package org.tramontane.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tramontane.engine.TokenOutput;
import org.tramontane.serve.api.Completion;
import org.tramontane.serve.api.Usage;
import org.tramontane.tokenizer.Tokenizer;

/** {@code /v1/completions}: object "text_completion", logprobs as tokens / token_logprobs / top_logprobs / text_offset. */
final class CompletionShape implements ResponseShape {
    private static final String OBJECT = "text_completion";
    private final Tokenizer tokenizer;

    CompletionShape(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public String opening(Header h, int index) {
        return null;
    }

    @Override
    public String chunk(Header h, ChoicePart part) {
        return Json.write(new Completion(h.id(), OBJECT, h.created(), h.model(), List.of(choice(part)), null));
    }

    @Override
    public String usageChunk(Header h, Usage usage) {
        return Json.write(new Completion(h.id(), OBJECT, h.created(), h.model(), List.of(), usage));
    }

    @Override
    public String answer(Header h, List<ChoicePart> choices, Usage usage) {
        List<Completion.Choice> out = new ArrayList<>();
        for (ChoicePart c : choices) out.add(choice(c));
        return Json.write(new Completion(h.id(), OBJECT, h.created(), h.model(), out, usage));
    }

    private Completion.Choice choice(ChoicePart p) {
        return new Completion.Choice(p.index(), p.text(), p.tokens() == null ? null : logprobs(p.tokens()), p.finishReason());
    }

    private Completion.Logprobs logprobs(List<TokenOutput> tokens) {
        List<String> texts = new ArrayList<>();
        List<Float> lps = new ArrayList<>();
        List<Map<String, Float>> tops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int offset = 0;
        for (TokenOutput t : tokens) {
            String text = TokenText.of(tokenizer, t.tokenId());
            texts.add(text);
            lps.add(t.logprobs().logprob());
            Map<String, Float> top = new LinkedHashMap<>();
            for (int i = 0; i < t.logprobs().topIds().length; i++) {
                top.putIfAbsent(TokenText.of(tokenizer, t.logprobs().topIds()[i]), t.logprobs().topLogprobs()[i]);
            }
            tops.add(top);
            offsets.add(offset);
            offset += text.length();
        }
        return new Completion.Logprobs(texts, lps, tops, offsets);
    }
}
