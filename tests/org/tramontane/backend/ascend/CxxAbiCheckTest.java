package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The start-up refusal of a libatb.so built for the other _GLIBCXX_USE_CXX11_ABI
 * (facade/cxx_abi.cpp, tna_cxx_abi_refusal). Stand-ins for the two ATB builds are compiled here:
 * shared libraries exporting a std::string function under each ABI, and one without any std::string
 * symbol placed in cxx_abi_0 and cxx_abi_1 directories as ATB installs them. The verdict for each is
 * checked against the ABI this build was compiled with; the libatb the simulator build loaded (the
 * facade's own library) must pass.
 */
class CxxAbiCheckTest {
    private static Path dir;
    private static int built;

    @BeforeAll
    static void compileStandIns() throws IOException, InterruptedException {
        dir = Path.of(System.getProperty("tramontane.basedir", ".")).resolve("target/cxx-abi-check");
        Files.createDirectories(dir);
        Path strings = dir.resolve("strings.cpp");
        Files.writeString(strings, "#include <string>\nstd::string atb_stand_in(const std::string& s) { return s + \"!\"; }\n");
        Path plain = dir.resolve("plain.c");
        Files.writeString(plain, "int atb_stand_in(int x) { return x + 1; }\n");
        for (int abi : new int[] {0, 1}) {
            compile(List.of("g++", "-shared", "-fPIC", "-D_GLIBCXX_USE_CXX11_ABI=" + abi, strings.toString(), "-o",
                    dir.resolve("libstrings_abi" + abi + ".so").toString()));
            Path lib = dir.resolve("atb/cxx_abi_" + abi + "/lib");
            Files.createDirectories(lib);
            compile(List.of("gcc", "-shared", "-fPIC", plain.toString(), "-o", lib.resolve("libatb.so").toString()));
        }
        compile(List.of("gcc", "-shared", "-fPIC", plain.toString(), "-o", dir.resolve("libplain.so").toString()));
        String first = AscendNative.tna_struct_layouts().split("\n")[0];  // "abi <N> <sizeof(std::string)> <sizeof(void*)>"
        built = Integer.parseInt(first.split(" ")[1]);
    }

    private static void compile(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
    }

    private static String verdict(Path lib) {
        return AscendNative.tna_cxx_abi_refusal(lib.toString());
    }

    @Test
    void theLibraryBuiltForTheOtherAbiIsRefusedInOneLine() {
        assertTrue(built == 0 || built == 1, "this build names its ABI");
        int other = 1 - built;
        String why = verdict(dir.resolve("libstrings_abi" + other + ".so"));
        assertFalse(why.isEmpty(), "an ABI " + other + " library must be refused by an ABI " + built + " build");
        assertFalse(why.contains("\n"), "one line: " + why);
        assertTrue(why.contains("_GLIBCXX_USE_CXX11_ABI=" + other) && why.contains("_GLIBCXX_USE_CXX11_ABI=" + built),
                "names both ABIs: " + why);
        assertTrue(why.contains("set_env.sh --cxx_abi=" + built), "names the fix: " + why);
        System.out.println(why);
    }

    @Test
    void theLibraryBuiltForThisAbiPasses() {
        assertEquals("", verdict(dir.resolve("libstrings_abi" + built + ".so")));
    }

    /** Without std::string symbols, ATB's cxx_abi_N directory tells. */
    @Test
    void theInstallDirectoryDecidesWhenTheSymbolsDoNot() {
        assertEquals("", verdict(dir.resolve("atb/cxx_abi_" + built + "/lib/libatb.so")));
        String why = verdict(dir.resolve("atb/cxx_abi_" + (1 - built) + "/lib/libatb.so"));
        assertTrue(why.contains("cxx_abi_" + (1 - built) + " build"), why);
    }

    /** A library that shows no ABI at all is not refused: the check only refuses what it can prove. */
    @Test
    void aLibraryWithoutEvidencePasses() {
        assertEquals("", verdict(dir.resolve("libplain.so")));
        assertEquals("", verdict(dir.resolve("no-such-library.so")));
    }

    /** The simulator build's "libatb" is the facade's own library, so tna_open's check passes (the sim tests open devices). */
    @Test
    void theLoadedLibraryOfThisBuildPasses() {
        assertEquals("", AscendNative.tna_cxx_abi_refusal(null));
    }
}
