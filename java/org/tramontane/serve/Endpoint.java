package org.tramontane.serve;

/** The two generating routes, which share one request body but not all of its fields. */
enum Endpoint {
    COMPLETIONS,
    CHAT
}
