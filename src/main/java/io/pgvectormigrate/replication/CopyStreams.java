package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Queries;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How many COPY streams the snapshot copy runs. {@code --jobs N} is taken as given; automatic ({@code --jobs 0}, the
 * default) runs as many as both servers and this machine can take, and never more than there are block ranges (a table
 * is split into ranges of about 64 MB, so a small table is one stream):
 * <ul>
 *   <li>each server: what it gives one of its own operations, the source {@code 1 + max_parallel_workers_per_gather}
 *       (a parallel scan), the target {@code 1 + max_parallel_maintenance_workers} (a parallel index build, its bulk
 *       write); and at most half of its free connections, so the application keeps the rest;</li>
 *   <li>this machine: every stream is a relay thread here, at most 2 per core; when a server runs on this machine (a
 *       loopback or local address, or a Unix socket, confirmed by the address the server sees) its backends share
 *       these cores: one stream per 2 cores, since a stream keeps the target's backend busy (the bottleneck, about one
 *       core) and the source's backend and the relay most of another. More streams than that only add contention: measured here on 2 cores, a second stream into the
 *       same table cost the target 20-28% more CPU (relation extension and buffer locks) and made the copy slower.</li>
 * </ul>
 *
 * @param streams how many streams to run at most (the copy runs fewer when there are fewer ranges)
 * @param why     what decided it, for the progress line
 */
record CopyStreams(int streams, String why) {
    static final int MAX = 64;

    /** What one server allows, from its settings. */
    record Server(String side, int perOperation, String perOperationSetting, int freeConnections, boolean onThisMachine) {}

    /** {@code requested} 0 means automatic. */
    static CopyStreams choose(int requested, Server source, Server target, int cores) {
        if (requested > 0) return new CopyStreams(requested, "--jobs " + requested);
        record Limit(int streams, String why) {}
        List<Limit> limits = new ArrayList<>();
        for (Server s : List.of(source, target)) {
            limits.add(new Limit(s.perOperation(), "the " + s.side() + "'s 1 + " + s.perOperationSetting()));
            limits.add(new Limit(Math.max(1, s.freeConnections() / 2), "half the " + s.side() + "'s "
                    + Math.max(0, s.freeConnections()) + " free connections"));
        }
        int cpus = Math.max(1, cores);
        if (source.onThisMachine() || target.onThisMachine()) {
            String which = source.onThisMachine() && target.onThisMachine() ? "both servers run"
                    : (source.onThisMachine() ? "the source" : "the target") + " runs";
            limits.add(new Limit(Math.max(1, cpus / 2), which + " on this machine (" + cpus + " core" + (cpus == 1 ? "" : "s")
                    + "): one stream per 2 cores"));
        } else {
            limits.add(new Limit(2 * cpus, "2 relay threads per core of this machine (" + cpus + ")"));
        }
        Limit least = limits.stream().min(Comparator.comparingInt(Limit::streams)).orElseThrow();
        int n = Math.max(1, Math.min(MAX, least.streams()));
        return new CopyStreams(n, String.format(Locale.ROOT, "automatic: %s", least.why()));
    }

    /** The streams a plan of {@code ranges} block ranges actually runs, and why when the ranges are what limits it. */
    CopyStreams forRanges(int ranges) {
        if (ranges >= streams) return this;
        int n = Math.max(1, ranges);
        return new CopyStreams(n, why.startsWith("--jobs") ? why + ", " + n + " range" + (n == 1 ? "" : "s") + " to copy"
                : "automatic: the tables split into " + n + " range" + (n == 1 ? "" : "s") + " of about 64 MB or less");
    }

    /** Reads a server's limits; {@code perOperationSetting} is the setting that sizes one of its own parallel operations. */
    static Server read(Connection c, ConnectionSpec spec, String side, String perOperationSetting) throws SQLException {
        int perOperation = 1 + (int) Queries.number(c, "SELECT current_setting(?)::int", perOperationSetting);
        // client backends: background workers and WAL senders have their own slots; without pg_read_all_stats another
        // user's sessions show no backend_type, so those count as clients (the estimate errs on the safe side)
        int free = (int) Queries.number(c, """
                SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
                       - (SELECT count(*) FROM pg_stat_activity WHERE coalesce(backend_type, 'client backend') = 'client backend')""");
        String serverAddress = Queries.string(c, "SELECT host(inet_server_addr())").orElse(null);
        return new Server(side, perOperation, perOperationSetting, free, onThisMachine(spec.host(), serverAddress));
    }

    /**
     * Both ends agree the server is here: the host we connect to is local, and the server sees the connection arrive on
     * a local address of its own, or on a Unix socket ({@code serverAddress} null). A port forward (SSM, a bastion's
     * SSH tunnel) to {@code localhost} reaches a server that sees its own remote address: not this machine's cores.
     */
    static boolean onThisMachine(String host, String serverAddress) {
        return onThisMachine(host) && (serverAddress == null || onThisMachine(serverAddress));
    }

    /** A Unix socket, a loopback address, or an address of one of this machine's interfaces. */
    static boolean onThisMachine(String host) {
        if (host == null || host.isBlank() || host.startsWith("/")) return true;
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null) return true;
            }
        } catch (UnknownHostException | SocketException | SecurityException e) {
            return false; // the connection itself will say what is wrong with the host
        }
        return false;
    }
}
