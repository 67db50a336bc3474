package org.tramontane.serve;

import java.util.List;
import org.tramontane.serve.api.Usage;

/** How one endpoint writes its answers and stream chunks (JSON text). */
interface ResponseShape {
    /** The chunk that opens a choice's stream (chat: the assistant role), or null for none. */
    String opening(Header h, int index);

    String chunk(Header h, ChoicePart part);

    /** The last chunk of a stream with {@code include_usage}: no choices, just the usage. */
    String usageChunk(Header h, Usage usage);

    String answer(Header h, List<ChoicePart> choices, Usage usage);

    /** What every answer and chunk of one request repeats. */
    record Header(String id, long created, String model) {
    }
}
