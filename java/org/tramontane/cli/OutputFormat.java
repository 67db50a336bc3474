package org.tramontane.cli;

/** {@code --output-format}: text for people, json for scripts. */
enum OutputFormat {
    TEXT("text"),
    JSON("json");

    final String cliName;

    OutputFormat(String cliName) {
        this.cliName = cliName;
    }
}
