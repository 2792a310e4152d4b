package io.pgvectormigrate.run;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;

/** A {@code host:port} this machine uses to reach a cluster through port forwarding. */
public record HostPort(String host, int port) {
    public static HostPort parse(String text, String option) {
        if (text == null) return null;
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        try {
            if (colon > 0 && colon < t.length() - 1) {
                int port = Integer.parseInt(t.substring(colon + 1));
                if (port >= 1 && port <= 65535) return new HostPort(t.substring(0, colon), port);
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw ToolException.usage(option + ": '" + text + "' is not host:port (for example localhost:15432)");
    }

    public ConnectionSpec apply(ConnectionSpec spec) {
        return spec.withHost(host).withPort(port);
    }
}
