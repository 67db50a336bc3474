package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.QuantScheme;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine.TypeConversionException;

/** Flag values by the README's spellings, and the spellings --help lists. */
class SpellingTest {
    private static List<String> listed(Iterable<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(out::add);
        return out;
    }

    @Test
    void dtypeTakesShortAndTorchNamesButOnlyFloats() {
        Spelling.DTypes dtypes = new Spelling.DTypes();
        assertEquals(List.of("fp32", "fp16", "bf16"), listed(dtypes));
        assertEquals(DType.BF16, dtypes.convert("bf16"));
        assertEquals(DType.BF16, dtypes.convert("bfloat16"));
        assertEquals(DType.F16, dtypes.convert("FP16"));
        assertEquals(DType.F32, dtypes.convert("float32"));
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> dtypes.convert("int8"));
        assertEquals("'int8' is not one of fp32, fp16, bf16", e.getMessage());
    }

    @Test
    void backendLoadFormatQuantizeAndOutputFormat() {
        assertEquals(BackendKind.ASCEND_SIM, new Spelling.Backends().convert("ascend-sim"));
        assertEquals(List.of("cpu", "ascend", "ascend-sim"), listed(new Spelling.Backends()));
        assertEquals(ModelSource.LoadFormat.DUMMY, new Spelling.LoadFormats().convert("dummy"));
        assertEquals(List.of("auto", "dummy"), listed(new Spelling.LoadFormats()));
        assertEquals(QuantScheme.W8A16, new Spelling.QuantSchemes().convert("w8a16"));
        assertEquals(OutputFormat.JSON, new Spelling.OutputFormats().convert("json"));
        assertEquals(OutputFormat.JSON, new Spelling.OutputFormats().convert("JSON"));
        assertEquals(ModelSource.LoadFormat.AUTO, new Spelling.LoadFormats().convert("Auto"));
        assertEquals(ConvertCommand.Layout.TRAMONTANE, new ConvertCommand.Layouts().convert("tramontane"));
        assertThrows(TypeConversionException.class, () -> new Spelling.QuantSchemes().convert("w4a16"));
        assertThrows(TypeConversionException.class, () -> new Spelling.LoadFormats().convert("gguf"));
        assertThrows(TypeConversionException.class, () -> new Spelling.OutputFormats().convert(""));
    }
}
