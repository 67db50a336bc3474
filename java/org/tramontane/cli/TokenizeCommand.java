package org.tramontane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tramontane.config.TextLines;
import org.tramontane.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encode text with the model's tokenizer (BOS first): one JSON array, or one JSON object per input line.")
final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    ModelPathOption model;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "Text to encode.")
    String text;

    @Option(names = "--input-file", paramLabel = "F.jsonl", description = "One {\"text\": ...} object per line.")
    Path inputFile;

    @Override
    public Integer call() throws IOException {
        Path dir = model.required(spec);
        if ((text == null) == (inputFile == null)) throw Flags.usage(spec, "give either TEXT or --input-file");
        Tokenizer tok = Tokenizer.load(dir);
        PrintWriter out = spec.commandLine().getOut();
        if (text != null) {
            out.println(JSON.writeValueAsString(tok.encode(text, true)));
        } else {
            if (!Files.isReadable(inputFile)) throw new CliException(inputFile + ": cannot read (--input-file)");
            List<String> lines = TextLines.read(inputFile);
            for (int lineNo = 1; lineNo <= lines.size(); lineNo++) {
                String line = lines.get(lineNo - 1);
                if (line.isBlank()) continue;
                String t = textOf(line, lineNo);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("text", t);
                row.put("ids", tok.encode(t, true));
                out.println(JSON.writeValueAsString(row));
            }
        }
        out.flush();
        return 0;
    }

    private String textOf(String line, int lineNo) {
        try {
            JsonNode node = JSON.readTree(line);
            if (node != null && node.isObject() && node.get("text") != null && node.get("text").isTextual()) {
                return node.get("text").asText();
            }
        } catch (IOException e) {
            // fall through to the one-line error below
        }
        throw new CliException(inputFile + ":" + lineNo + ": expected a JSON object with a \"text\" string");
    }
}
