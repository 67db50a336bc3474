package org.tramontane.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.quant.QuantDescription;

/** config.json (as a checkpoint's and as a preset) and the quant description of a quantized checkpoint. */
class ConfigFuzzTest {
    private static final Path DIR = Contract.scratch("config");

    @FuzzTest(maxDuration = "30s")
    void configJson(byte[] data) {
        Path file = Contract.write(DIR.resolve("config.json"), data);
        Contract.parsesOrRefuses(file, () -> MixtralConfigReader.read(file));
        Contract.parsesOrRefuses(file, () -> MixtralConfigReader.readPreset(file));
    }

    @FuzzTest(maxDuration = "30s")
    void quantDescription(byte[] data) {
        Path file = Contract.write(DIR.resolve(QuantDescription.FILE_NAME), data);
        Contract.parsesOrRefuses(file, () -> {
            QuantDescription d = QuantDescription.readFile(file);
            for (String name : d.tensorNames()) d.schemeOf(name);
        });
    }
}
