package org.tramontane.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The lines of a UTF-8 text file (a .jsonl), strictly decoded: bad bytes are refused naming the file and line. */
public final class TextLines {
    private TextLines() {}

    /** Lines without their terminator ({@code \n} or {@code \r\n}). */
    public static List<String> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i < bytes.length && bytes[i] != '\n') continue;
            if (i == bytes.length && start == i) break;
            int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
            try {
                lines.add(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, start, end - start)).toString());
            } catch (CharacterCodingException e) {
                throw new ConfigException(file + " line " + (lines.size() + 1) + ": not valid UTF-8", e);
            }
            start = i + 1;
        }
        return lines;
    }
}
