package io.pgvectormigrate.testing;

import io.pgvectormigrate.pg.ConnectionSpec;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Small SQL helpers for tests. */
public final class Sql {
    private Sql() {}

    public static void exec(ConnectionSpec spec, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
             Statement st = c.createStatement()) {
            for (String s : statements) st.execute(s);
        }
    }

    /** First column of the first row, as a string (null when no row). */
    public static String scalar(ConnectionSpec spec, String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    public static long count(ConnectionSpec spec, String query) throws SQLException {
        String v = scalar(spec, query);
        return v == null ? 0 : Long.parseLong(v);
    }
}
