package io.pgvectormigrate.bench;

import io.pgvectormigrate.pg.Sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** What an earlier, interrupted copy benchmark left in a kept directory. */
final class Leftovers {
    private Leftovers() {}

    /** The target databases the runs create (native_1, pgcopydb_2, ...). */
    static final String TARGET_DATABASES = "^(native|pgcopydb|pipe|dump)_";

    /**
     * Drops the target databases of the benchmark's runs (a subscription in one is detached from its slot first, or
     * the database cannot be dropped) and, on the source, the replication slots and publications of its runs
     * (run ids bench-..., so named pgvm_bench_...), which would hold WAL.
     * <p>
     * The slot, publication and subscription SQL here is the one place the benchmark writes its own: it is meant to
     * become calls to pg's replication classes (ReplicationSlots, Publications, Subscriptions) once they exist.
     */
    static void drop(Bench.Pair pair) throws SQLException {
        List<String> dbs = new ArrayList<>();
        try (Connection c = Bench.open(pair.target.connection("postgres")); var st = c.createStatement();
             var rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname ~ '" + TARGET_DATABASES + "'")) {
            while (rs.next()) dbs.add(rs.getString(1));
        }
        for (String db : dbs) {
            List<String> subs = new ArrayList<>();
            try (Connection c = Bench.open(pair.target.connection(db)); var st = c.createStatement()) {
                try (var rs = st.executeQuery("SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                    while (rs.next()) subs.add(Sql.ident(rs.getString(1)));
                }
                for (String sub : subs) {
                    st.execute("ALTER SUBSCRIPTION " + sub + " DISABLE");
                    st.execute("ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE)");
                    st.execute("DROP SUBSCRIPTION " + sub);
                }
            }
            Bench.exec(pair.target.connection("postgres"), "DROP DATABASE " + Sql.ident(db));
        }
        Bench.exec(pair.source.connection("postgres"),
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'pgvm\\_bench\\_%' AND NOT active");
        if (Bench.comment(pair.source, CopyFixture.DATABASE) != null) {
            try (Connection c = Bench.open(pair.source.connection(CopyFixture.DATABASE)); var st = c.createStatement()) {
                List<String> pubs = new ArrayList<>();
                try (var rs = st.executeQuery("SELECT pubname FROM pg_publication WHERE pubname LIKE 'pgvm\\_bench\\_%'")) {
                    while (rs.next()) pubs.add(Sql.ident(rs.getString(1)));
                }
                for (String pub : pubs) st.execute("DROP PUBLICATION " + pub);
            }
        }
    }
}
