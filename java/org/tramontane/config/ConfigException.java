package org.tramontane.config;


/** A config.json that cannot be used: the one-line message names the file and the key. */
public final class ConfigException extends UserException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
