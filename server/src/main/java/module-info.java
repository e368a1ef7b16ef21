/**
 * {@code kiln serve}: an OpenAI-compatible HTTP server (chat and text completions, streamed as
 * server-sent events) over the runtime's continuous batching. Entry point: {@link dev.kiln.server.KilnServer}.
 */
module dev.kiln.server {
    requires transitive dev.kiln.runtime;
    requires io.helidon.webserver;
    requires io.helidon.webserver.sse;
    requires io.helidon.http.sse;
    requires com.fasterxml.jackson.databind;

    exports dev.kiln.server;
}
