package io.pgvectormigrate.report;

import io.pgvectormigrate.core.ToolException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A report file the operator asked for (--report): checked before any work starts, written when it ends. */
public final class ReportFile {
    private ReportFile() {}

    /** Bad input (exit 2) unless the file can be written; {@code option} names where it came from (--report, report). */
    public static void checkWritable(Path file, String option) {
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw ToolException.usage(option + " " + file + ": directory " + dir + " does not exist");
        }
        if (Files.isDirectory(file) || (Files.exists(file) && !Files.isWritable(file)) || !Files.isWritable(dir)) {
            throw ToolException.usage(option + " " + file + " is not a writable file path");
        }
    }

    public static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ToolException.runtime("cannot write the report to " + file + ": " + e.getMessage(), e);
        }
    }
}
