package org.tramontane.corpus;

import java.nio.file.Path;

/**
 * One bad input: how to make it in a fresh directory, and how the program must refuse it.
 *
 * @param name     what is wrong, as the test report shows it
 * @param code     the exit code: 2 for a usage error, 1 for a user error
 * @param setup    writes the bad files under the directory and returns the command line
 * @param mentions what the one stderr line must name (a file, flag, tensor, key or variable)
 */
record Case(String name, int code, Setup setup, String... mentions) {
    /** Writes a case's files into {@code dir} and gives its command line. */
    @FunctionalInterface
    interface Setup {
        String[] args(Path dir) throws Exception;
    }

    static Case usage(String name, Setup setup, String... mentions) {
        return new Case(name, 2, setup, mentions);
    }

    static Case user(String name, Setup setup, String... mentions) {
        return new Case(name, 1, setup, mentions);
    }

    @Override
    public String toString() {
        return name;
    }
}
