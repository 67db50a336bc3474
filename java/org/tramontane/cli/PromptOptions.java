package org.tramontane.cli;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.engine.EngineException;
import org.tramontane.engine.LlmEngine;
import org.tramontane.tokenizer.ChatMessage;
import org.tramontane.tokenizer.ChatTemplate;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The prompts of one batch, in command-line order: each --input-text or --input-ids is one sequence. */
final class PromptOptions {
    @ArgGroup(exclusive = true, multiplicity = "1..*")
    List<Prompt> prompts = new ArrayList<>();

    static final class Prompt {
        @Option(names = "--input-text", paramLabel = "TEXT", description = "A prompt, encoded with BOS (or rendered with the chat template under --chat).")
        String text;

        @Option(names = "--input-ids", paramLabel = "ID,ID,...", split = ",", description = "A prompt as token ids, fed verbatim (no BOS added).")
        int[] ids;
    }

    @Option(names = "--chat", description = "Render each --input-text as one user turn of the chat template ([INST] ... [/INST]).")
    boolean chat;

    /** Token ids of every prompt, in order. */
    List<int[]> encode(LlmEngine engine) {
        List<int[]> out = new ArrayList<>();
        ChatTemplate template = chat ? ChatTemplate.load(engine.tokenizerDir()) : null;
        for (Prompt p : prompts) {
            if (p.ids != null) {
                if (p.ids.length == 0) throw new EngineException("--input-ids is empty");
                out.add(p.ids);
            } else if (template != null) {
                out.add(engine.tokenizer().encode(template.render(List.of(ChatMessage.user(p.text))), false));
            } else {
                out.add(engine.tokenizer().encode(p.text, true));
            }
        }
        return out;
    }
}
