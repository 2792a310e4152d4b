package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.TableId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Status words, selection rules and failure hints: the small pieces the engine's decisions rest on. */
class DmsUnitsTest {
    @Test
    void theGuidesLabelsAreComparedIgnoringCaseAndPunctuationAndUnknownWordsCountAsWorking() {
        for (String label : List.of("Load complete, replication ongoing", "LOAD COMPLETE, REPLICATION ONGOING",
                "load_complete_replication_ongoing", "load-complete-replication-ongoing")) {
            assertEquals(DmsStatus.LOAD_COMPLETE_REPLICATION_ONGOING, DmsStatus.of(label), label);
        }
        assertEquals(DmsStatus.REPLICATION_ONGOING, DmsStatus.of("replication ongoing"));
        assertEquals(DmsStatus.LOAD_RUNNING, DmsStatus.of("LOAD_RUNNING"));
        assertEquals(DmsStatus.RELOADING_TARGET, DmsStatus.of("Reloading target"));
        assertEquals(DmsStatus.STARTING, DmsStatus.of("starting"));
        assertEquals(DmsStatus.FAILED, DmsStatus.of("failed"));
        assertEquals(DmsStatus.READY, DmsStatus.of("READY"));
        assertEquals(DmsStatus.STOPPED, DmsStatus.of("Stopped"));
        // not in the guide: no full-load "Load complete"; an unknown word is still working
        assertEquals(DmsStatus.UNKNOWN, DmsStatus.of("Load complete"));
        assertEquals(DmsStatus.UNKNOWN, DmsStatus.of("Provisioning capacity"));
        assertTrue(DmsStatus.UNKNOWN.active());
        assertTrue(DmsStatus.STARTING.active());
        assertFalse(DmsStatus.STOPPED.active());
        assertTrue(DmsStatus.FAILED.startable());
        assertFalse(DmsStatus.LOAD_RUNNING.startable());
        assertTrue(DmsStatus.LOAD_COMPLETE_REPLICATION_ONGOING.streaming() && DmsStatus.REPLICATION_ONGOING.streaming());
    }

    @Test
    void selectionRulesNameEachTableAndRoundTrip() {
        String json = SelectionRules.forTables(List.of(new TableId("public", "items"), new TableId("app", "notes_v2")));
        assertTrue(json.contains("\"rule-action\":\"include\""), json);
        assertEquals(List.of(new SelectionRules.Rule("public", "items"), new SelectionRules.Rule("app", "notes_v2")), SelectionRules.parse(json));
        // how DMS reads them ('_' literal, only % a wildcard): GuideSelectionRulesTest, on FakeDms's own reading
        assertTrue(GuideSelectionRules.read(json).selects("app", "notes_v2"));
        assertFalse(GuideSelectionRules.read(json).selects("app", "notesXv2"));
        ToolException wildcard = assertThrows(ToolException.class,
                () -> SelectionRules.forTables(List.of(new TableId("public", "100%done"))));
        assertEquals(ExitCode.USAGE, wildcard.exitCode());
        assertThrows(ToolException.class, () -> SelectionRules.forTables(List.of()));
        assertThrows(IllegalArgumentException.class, () -> SelectionRules.parse(
                "{\"rules\":[{\"rule-type\":\"selection\",\"rule-action\":\"exclude\",\"object-locator\":{\"schema-name\":\"a\",\"table-name\":\"b\"}}]}"));
    }

    @Test
    void failureMessagesGetTheLikelyCause() {
        assertTrue(LoadWatch.likelyCause("ERROR: logical decoding requires wal_level >= logical", "eu-west-1", "m")
                .startsWith("logical replication is off"));
        assertTrue(LoadWatch.likelyCause("Failed to retrieve secret arn:...: AccessDeniedException", "eu-west-1", "m")
                .contains("dms.eu-west-1.amazonaws.com"));
        assertTrue(LoadWatch.likelyCause("could not connect to server: Connection timed out", "eu-west-1", "m")
                .startsWith("network path"));
        assertTrue(LoadWatch.likelyCause("FATAL: password authentication failed for user \"postgres\"", "eu-west-1", "m")
                .contains("credentials in a secret are wrong"));
        assertTrue(LoadWatch.likelyCause("something odd", "eu-west-1", "m").contains("dms-data-migration-"));
        // the role's network permissions, not the secrets role, when DMS was refused an EC2 call
        assertTrue(LoadWatch.likelyCause("User: arn:aws:sts::1:assumed-role/r/dms-data-migrations is not authorized to perform: "
                + "ec2:CreateRoute on resource: arn:aws:ec2:us-east-1:1:route-table/rtb-1", "eu-west-1", "m").contains("--document dms-permissions"));
        assertTrue(LoadWatch.likelyCause(null, null, null).contains("CloudWatch"));
    }

    @Test
    void optionParsingRefusesDropTablesOnTarget() {
        ToolException e = assertThrows(ToolException.class, () -> DmsOptions.TablePreparation.of("drop-tables-on-target"));
        assertTrue(e.getMessage().contains("would drop the schema prepare-target created"));
        assertEquals(DmsOptions.MigrationType.FULL_LOAD_AND_CDC, DmsOptions.MigrationType.of("full-load-and-cdc"));
        assertEquals(DmsOptions.SslMode.VERIFY_FULL, DmsOptions.SslMode.of("VERIFY-FULL"));
    }
}
