package org.tramontane.cli;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.engine.LlmEngine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The prompts of one batch, in command-line order: each --input-text or --input-ids is one sequence. */
final class PromptOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1..*")
    List<Prompt> prompts = new ArrayList<>();

    static final class Prompt {
        @Option(names = "--input-text", paramLabel = "TEXT", description = "A prompt as text: generate encodes it with BOS (with the chat template under --chat);"
                + " run-pa renders it with the chat template (with BOS under --base).")
        String text;

        // a single String (not a split int[]): picocli then starts a new group per occurrence, so
        // each --input-ids is its own sequence instead of extending the previous one
        @Option(names = "--input-ids", paramLabel = "ID,ID,...", description = "A prompt as token ids, fed verbatim (no BOS added).")
        String ids;
    }

    @Option(names = "--chat", description = "Render each --input-text as one user turn of the chat template ([INST] ... [/INST]).")
    boolean chat;

    private int[] parseIds(String text) {
        String[] parts = text.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--input-ids must be comma-separated integers (got '"
                        + text + "')");
            }
        }
        return ids;
    }

    /** Token ids of every prompt, in order. */
    List<int[]> encode(LlmEngine engine) {
        List<int[]> out = new ArrayList<>();
        for (Prompt p : prompts) {
            out.add(engine.encode(p.ids != null ? org.tramontane.engine.Prompt.ids(parseIds(p.ids))
                    : chat ? org.tramontane.engine.Prompt.userTurn(p.text) : org.tramontane.engine.Prompt.text(p.text)));
        }
        return out;
    }
}
