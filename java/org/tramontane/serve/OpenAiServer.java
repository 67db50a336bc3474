package org.tramontane.serve;

import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP edge: Jetty with HTTP/1.1 and cleartext HTTP/2 (prior knowledge or the h2c upgrade the
 * JDK's HttpClient sends) on one port. It listens from {@link #start} on, answering 503 on /health
 * until {@link #ready} hands it the loaded model.
 */
public final class OpenAiServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final Routes routes;

    private OpenAiServer(ServeOptions options) {
        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        threads.setName("http");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        connector = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        // short: a client that stalls sending its request, or stops reading its answer, is dropped and its
        // sequences aborted; a request waiting for the engine keeps its connection (Routes' idle listener)
        connector.setIdleTimeout(options.idleTimeoutMs());
        server.addConnector(connector);
        routes = new Routes(options, new Metrics(options.servedModelName()));
        server.setHandler(routes);
    }

    /** Binds and starts answering (503 on /health until {@link #ready}). */
    public static OpenAiServer start(ServeOptions options) {
        OpenAiServer s = new OpenAiServer(options);
        try {
            s.server.start();
        } catch (Exception e) {
            throw new ServeException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
        }
        return s;
    }

    /** The model is loaded: every route serves from now on. */
    public void ready(ServingContext context) {
        routes.ready(context);
    }

    public int port() {
        return connector.getLocalPort();
    }

    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        routes.close();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the HTTP server: " + e.getMessage(), e);
        }
    }
}
