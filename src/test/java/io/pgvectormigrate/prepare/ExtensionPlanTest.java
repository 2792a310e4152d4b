package io.pgvectormigrate.prepare;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.prepare.SchemaInfo.ExtensionState;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decisions behind the refusals a single local pgvector build cannot produce on a real server (pgvector missing,
 * a target that cannot reach the source's version, an older major version). The integration tests cover the paths a
 * real server can show (update to the source's version, refusal of a version above what is installed).
 */
class ExtensionPlanTest {
    private static ExtVersions v(String... s) {
        return new ExtVersions(Arrays.stream(s).map(ExtensionVersion::of).toList());
    }

    private record ExtVersions(List<ExtensionVersion> list) {}

    private static ExtensionState state(boolean available, String def, String installed, String... versions) {
        return new ExtensionState(available, ExtensionVersion.of(def), ExtensionVersion.of(installed),
                v(versions).list());
    }

    @Test
    void versionsCompareNumerically() {
        assertTrue(ExtensionVersion.of("0.10.0").compareTo(ExtensionVersion.of("0.9.1")) > 0);
        assertTrue(ExtensionVersion.of("0.8.0").compareTo(ExtensionVersion.of("0.8")) == 0);
        assertTrue(ExtensionVersion.of("1.3").atLeast(ExtensionVersion.of("1.2.9")));
        assertTrue(ExtensionVersion.of("0.5.1").atLeast(null));
    }

    @Test
    void notInstallableIsBadInput() {
        ToolException e = assertThrows(ToolException.class,
                () -> ExtensionPlan.forVector(state(false, null, null), ExtensionVersion.of("0.8.0")));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("pgvector is not installable on the target"), e.getMessage());
        assertTrue(e.getMessage().contains("0.8.0 or newer"), e.getMessage());
    }

    @Test
    void installedBelowFloorIsUpdatedToTheDefault() {
        ExtensionPlan p = ExtensionPlan.forVector(state(true, "0.8.0", "0.5.1", "0.5.1", "0.7.4", "0.8.0"), ExtensionVersion.of("0.7.0"));
        assertEquals(ExtensionPlan.Action.UPDATE, p.action());
        assertEquals("0.8.0", p.version().text());
        assertEquals("0.5.1", p.from().text());
    }

    @Test
    void installedAtOrAboveFloorIsKept() {
        ExtensionPlan p = ExtensionPlan.forVector(state(true, "0.8.0", "0.8.0", "0.8.0"), ExtensionVersion.of("0.5.1"));
        assertEquals(ExtensionPlan.Action.KEEP, p.action());
        assertEquals(ExtensionPlan.Action.KEEP, ExtensionPlan.forVector(state(true, "0.8.0", "0.7.4", "0.8.0"), null).action());
    }

    @Test
    void unreachableFloorIsBadInput() {
        ToolException e = assertThrows(ToolException.class,
                () -> ExtensionPlan.forVector(state(true, "0.5.1", "0.5.0", "0.5.0", "0.5.1"), ExtensionVersion.of("0.7.0")));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("cannot reach pgvector 0.7.0"), e.getMessage());
        assertTrue(e.getMessage().contains("0.5.0 installed and offers at most 0.5.1"), e.getMessage());
    }

    @Test
    void createsTheDefaultOrAnExplicitVersionThatReachesTheFloor() {
        assertEquals(ExtensionPlan.Action.CREATE,
                ExtensionPlan.forVector(state(true, "0.8.0", null, "0.8.0"), ExtensionVersion.of("0.8.0")).action());
        ExtensionPlan p = ExtensionPlan.forVector(state(true, "0.6.0", null, "0.6.0", "0.7.4", "0.8.0"), ExtensionVersion.of("0.7.0"));
        assertEquals(ExtensionPlan.Action.CREATE_VERSION, p.action());
        assertEquals("0.7.4", p.version().text());
    }

    @Test
    void olderTargetMajorIsBadInput() {
        ToolException e = assertThrows(ToolException.class, () -> TargetPreparer.checkMajorVersions(14, "14.9", 15, "15.3"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertEquals("the target runs PostgreSQL 14.9, older than the source's 15.3: use a target at major version 15 or newer",
                e.getMessage());
        TargetPreparer.checkMajorVersions(16, "16.1", 15, "15.3");
        TargetPreparer.checkMajorVersions(15, "15.1", 15, "15.3");
    }
}
