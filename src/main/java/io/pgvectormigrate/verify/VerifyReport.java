package io.pgvectormigrate.verify;

/** The result of a verification. (Contract stub: the verify work fills in per-table, per-check results.) */
public record VerifyReport(boolean passed, String summary) {
}
