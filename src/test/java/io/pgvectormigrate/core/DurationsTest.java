package io.pgvectormigrate.core;

import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One duration parser: 1h30m works on the command line and in migration.yaml alike. */
class DurationsTest {
    @Test
    void readsEveryForm() {
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m", "--timeout"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s", "k"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90", "k"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms", "k"));
        assertEquals(Duration.ofDays(1).plusHours(2), Durations.parse("1d2h", "k"));
        assertEquals(Duration.ofMinutes(30), Durations.parse("PT30M", "k"));
        assertEquals(Duration.ofMinutes(61), Durations.parse("1H1M", "k"));
        assertNull(Durations.parseOrNull("soon"));
        assertNull(Durations.parseOrNull("1x"));
        assertNull(Durations.parseOrNull(""));
    }

    @Test
    void badInputNamesWhereItCameFrom() {
        ToolException option = assertThrows(ToolException.class, () -> Durations.parse("soon", "--wait-timeout"));
        assertEquals(ExitCode.USAGE, option.exitCode());
        assertTrue(option.getMessage().startsWith("invalid --wait-timeout: cannot read 'soon'"), option.getMessage());
        ToolException key = assertThrows(ToolException.class, () -> Durations.parse("soon", "dms.timeout"));
        assertTrue(key.getMessage().startsWith("dms.timeout: cannot read 'soon'"), key.getMessage());
    }

    @Test
    void everyDurationOptionTakesHoursAndMinutes(@TempDir Path dir) throws Exception {
        // parsed before any connection or AWS call: a bad value is exit 2, 1h30m gets past parsing
        for (String[] cmd : new String[][]{{"cutover", "--timeout"}, {"migrate", "--timeout"},
                {"restore", "--snapshot", "s", "--region", "us-east-1", "--wait-timeout"},
                {"capture", "--cluster", "c", "--region", "us-east-1", "--wait-timeout"}}) {
            CliRun.Result bad = CliRun.run(Map.of(), dir, append(cmd, "soon"));
            assertEquals(ExitCode.USAGE, bad.exitCode(), bad.toString());
            assertTrue(bad.err().contains("'soon'"), bad.err());
            if (cmd[0].equals("restore") || cmd[0].equals("capture")) continue; // past parsing they would create AWS clients
            CliRun.Result good = CliRun.run(Map.of(), dir, append(cmd, "1h30m"));
            assertTrue(!good.err().contains("1h30m") && !good.err().contains("cannot read"), String.join(" ", cmd) + " 1h30m: " + good);
        }
        Path yaml = dir.resolve("m.yaml");
        Files.writeString(yaml, "snapshot: s\ndms:\n  timeout: 1h30m\ntemporaryCluster:\n  waitTimeout: 2h15m\nnative:\n  timeout: 1h30m\n");
        // the file's durations are read with the settings, before any AWS client exists
        io.pgvectormigrate.run.RunSettings s = io.pgvectormigrate.run.RunSettings.resolve(new io.pgvectormigrate.run.RunSettings.Flags(
                yaml, null, null, null, null, "native", "d1", null, "us-east-1", null, null, null, java.util.List.of(), java.util.List.of(),
                java.util.List.of(), null, null, null, null), dir);
        assertEquals(Duration.ofMinutes(135), s.source().waitTimeout());
        assertEquals(Duration.ofMinutes(90), s.nativeOptions().timeout());
        assertEquals(Duration.ofMinutes(90), s.dms().applyTo(io.pgvectormigrate.aws.dms.DmsOptions.builder()).build().timeout());
    }

    /** Every duration is a wait or an interval: 0 is refused everywhere the same way, not read as "time out at once". */
    @Test
    void zeroIsRefusedOnTheCommandLineAndInTheFile(@TempDir Path dir) throws Exception {
        ToolException option = assertThrows(ToolException.class, () -> Durations.parse("0", "--wait-timeout"));
        assertEquals(ExitCode.USAGE, option.exitCode());
        assertTrue(option.getMessage().contains("'0' is no time at all"), option.getMessage());
        CliRun.Result cleanup = CliRun.run(Map.of(), dir, "cleanup", "--run-id", "r0", "--wait-timeout", "0");
        assertEquals(ExitCode.USAGE, cleanup.exitCode(), cleanup.toString());
        assertTrue(cleanup.err().contains("'0' is no time at all"), cleanup.err());
        CliRun.Result migrate = CliRun.run(Map.of(), dir, "migrate", "--timeout", "0s");
        assertEquals(ExitCode.USAGE, migrate.exitCode(), migrate.toString());
        assertTrue(migrate.err().contains("'0s' is no time at all"), migrate.err());
        Path yaml = dir.resolve("zero.yaml");
        Files.writeString(yaml, "snapshot: s\ndms:\n  timeout: 0\n");
        ToolException file = assertThrows(ToolException.class, () -> io.pgvectormigrate.run.RunSettings.resolve(
                new io.pgvectormigrate.run.RunSettings.Flags(yaml, null, null, null, null, "dms", "d0", null, "us-east-1", null, null,
                        null, java.util.List.of(), java.util.List.of(), java.util.List.of(), null, null, null, null), dir));
        assertEquals(ExitCode.USAGE, file.exitCode());
        assertTrue(file.getMessage().contains("dms.timeout: '0' is no time at all"), file.getMessage());
    }

    private static String[] append(String[] a, String last) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
