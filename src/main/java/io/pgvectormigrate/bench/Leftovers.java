package io.pgvectormigrate.bench;

import io.pgvectormigrate.pg.Publications;
import io.pgvectormigrate.pg.ReplicationSlots;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.Subscriptions;
import io.pgvectormigrate.replication.ReplicationNames;

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
     * (run ids bench-..., so named pgvm_bench_...), which would hold WAL. The replication SQL is pg's, as the
     * engines use it.
     */
    static void drop(Bench.Pair pair) throws SQLException {
        String ours = ReplicationNames.PREFIX + "bench_";
        List<String> dbs = new ArrayList<>();
        try (Connection c = Bench.open(pair.target().connection("postgres")); var st = c.createStatement();
             var rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname ~ '" + TARGET_DATABASES + "'")) {
            while (rs.next()) dbs.add(rs.getString(1));
        }
        for (String db : dbs) {
            try (Connection c = Bench.open(pair.target().connection(db))) {
                for (String sub : Subscriptions.names(c)) Subscriptions.dropDetached(c, sub);
            }
            Bench.exec(pair.target().connection("postgres"), "DROP DATABASE " + Sql.ident(db));
        }
        try (Connection c = Bench.open(pair.source().connection("postgres"))) {
            for (ReplicationSlots.Slot slot : ReplicationSlots.inCluster(c, ours)) {
                if (!slot.active()) ReplicationSlots.dropIfUnused(c, slot.name());
            }
        }
        if (Bench.comment(pair.source(), CopyFixture.DATABASE) != null) {
            try (Connection c = Bench.open(pair.source().connection(CopyFixture.DATABASE))) {
                for (String pub : Publications.startingWith(c, ours)) Publications.drop(c, pub);
            }
        }
    }
}
