package io.pgvectormigrate.report;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Progress and status lines on stderr. Bars are drawn only when stderr is a terminal; otherwise
 * {@link #bar} returns a bar that draws nothing, and callers report milestones with {@link #info}.
 */
public interface Progress {
    void info(String line);

    /** A progress bar; {@code total} may be -1 when unknown. Close it when done. */
    Bar bar(String task, long total, String unit);

    interface Bar extends AutoCloseable {
        void stepTo(long n);

        void stepBy(long n);

        @Override
        void close();
    }

    Bar NO_BAR = new Bar() {
        @Override public void stepTo(long n) {}
        @Override public void stepBy(long n) {}
        @Override public void close() {}
    };

    Progress SILENT = new Progress() {
        @Override public void info(String line) {}
        @Override public Bar bar(String task, long total, String unit) { return NO_BAR; }
    };

    /** Lines to {@code err}; bars too when {@code terminal}. */
    static Progress to(PrintWriter err, boolean terminal) {
        return new Progress() {
            @Override
            public void info(String line) {
                synchronized (err) {
                    err.println(line);
                    err.flush();
                }
            }

            @Override
            public Bar bar(String task, long total, String unit) {
                if (!terminal) return NO_BAR;
                PrintStream ps = new PrintStream(new java.io.OutputStream() {
                    @Override public void write(int b) { err.write(b); }
                    @Override public void write(byte[] b, int off, int len) { err.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8)); }
                    @Override public void flush() { err.flush(); }
                }, true, java.nio.charset.StandardCharsets.UTF_8);
                ProgressBar pb = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                        .setUnit(" " + unit, 1).setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250).setMaxRenderedLength(100)
                        .setConsumer(new ConsoleProgressBarConsumer(ps)).continuousUpdate()
                        .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS).showSpeed()
                        .build();
                return new Bar() {
                    @Override public void stepTo(long n) { pb.stepTo(n); }
                    @Override public void stepBy(long n) { pb.stepBy(n); }
                    @Override public void close() { pb.close(); }
                };
            }
        };
    }

    /** 512 B, 3.5 kB, 12.0 MB, 1.25 GB. */
    static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1024L * 1024) return String.format(java.util.Locale.ROOT, "%.1f kB", b / 1024.0);
        if (b < 1024L * 1024 * 1024) return String.format(java.util.Locale.ROOT, "%.1f MB", b / (1024.0 * 1024));
        return String.format(java.util.Locale.ROOT, "%.2f GB", b / (1024.0 * 1024 * 1024));
    }

    /** 1,234,567. */
    static String count(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
