package org.tramontane.serve;

/** Range checks of request fields: each failure is a 400 naming the field and the range. */
final class Range {
    private Range() {}

    static int atLeast(String field, int value, int min) {
        if (value < min) throw ApiException.badRequest(field, "'" + field + "' must be >= " + min + " (got " + value + ")");
        return value;
    }

    static double atLeast(String field, double value, double min) {
        if (!(value >= min) || Double.isInfinite(value)) {
            throw ApiException.badRequest(field, "'" + field + "' must be >= " + min + " (got " + value + ")");
        }
        return value;
    }

    static int within(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw ApiException.badRequest(field, "'" + field + "' must be in [" + min + ", " + max + "] (got " + value + ")");
        }
        return value;
    }

    static double within(String field, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw ApiException.badRequest(field, "'" + field + "' must be in [" + min + ", " + max + "] (got " + value + ")");
        }
        return value;
    }
}
