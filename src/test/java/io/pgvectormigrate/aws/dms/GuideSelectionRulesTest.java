package io.pgvectormigrate.aws.dms;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FakeDms reads selection rules as the DMS user guide describes them, with the guide's own examples. */
class GuideSelectionRulesTest {
    private static String rule(String id, String action, String schema, String table) {
        return "{\"rule-type\":\"selection\",\"rule-id\":\"" + id + "\",\"rule-name\":\"" + id + "\",\"rule-action\":\"" + action
                + "\",\"object-locator\":{\"schema-name\":\"" + schema + "\",\"table-name\":\"" + table + "\"},\"filters\":[]}";
    }

    private static GuideSelectionRules rules(String... rules) {
        return GuideSelectionRules.read("{\"rules\":[" + String.join(",", rules) + "]}");
    }

    @Test
    void percentIsTheWildcard() {
        // the guide's "all tables in a schema" and "tables with a name starting with collectionTest"
        GuideSelectionRules all = rules(rule("1", "include", "dmsst", "%"));
        assertTrue(all.selects("dmsst", "anything") && all.selects("dmsst", ""));
        assertFalse(all.selects("other", "anything"));
        GuideSelectionRules prefix = rules(rule("1", "include", "dmsst", "collectionTest%"));
        assertTrue(prefix.selects("dmsst", "collectionTest") && prefix.selects("dmsst", "collectionTest1"));
        assertFalse(prefix.selects("dmsst", "xcollectionTest1"));
        GuideSelectionRules middle = rules(rule("1", "include", "%", "item%s"));
        assertTrue(middle.selects("public", "items") && middle.selects("app", "item_vectors"));
        assertFalse(middle.selects("public", "items2"));
        assertTrue(rules(rule("1", "include", "public", "item%")).selects("public", "items"));
    }

    @Test
    void onlyPercentIsAWildcard() {
        // homogeneous migrations support only %: the full-load task wildcards _ and [ab] are plain characters
        GuideSelectionRules underscore = rules(rule("1", "include", "app", "notes_v2"));
        assertTrue(underscore.selects("app", "notes_v2"));
        assertFalse(underscore.selects("app", "notesXv2"));
        GuideSelectionRules brackets = rules(rule("1", "include", "app", "[ab]"));
        assertTrue(brackets.selects("app", "[ab]"));
        assertFalse(brackets.selects("app", "a"));
        assertFalse(rules(rule("1", "include", "a.b", "t")).selects("aXb", "t"));
    }

    @Test
    void rulesAreCaseSensitive() {
        GuideSelectionRules r = rules(rule("1", "include", "Test", "products"));
        assertTrue(r.selects("Test", "products"));
        assertFalse(r.selects("test", "products"));
        assertFalse(r.selects("Test", "Products"));
    }

    @Test
    void severalRulesSelectTheirUnion() {
        // the guide's "specific tables from multiple schemas"
        GuideSelectionRules r = rules(rule("1", "include", "dmsst", "collectionTest1"), rule("2", "include", "Test", "products"));
        assertTrue(r.selects("dmsst", "collectionTest1") && r.selects("Test", "products"));
        assertFalse(r.selects("dmsst", "products"));
    }

    @Test
    void onlyIncludeIsSupported() {
        assertThrows(IllegalArgumentException.class, () -> rules(rule("1", "include", "public", "%"), rule("2", "exclude", "public", "notes")));
        assertThrows(IllegalArgumentException.class, () -> rules(rule("1", "explicit", "public", "items")));
        assertThrows(IllegalArgumentException.class, () -> GuideSelectionRules.read(
                "{\"rules\":[{\"rule-type\":\"transformation\",\"rule-id\":\"1\",\"rule-name\":\"1\",\"rule-action\":\"rename\","
                        + "\"object-locator\":{\"schema-name\":\"public\",\"table-name\":\"items\"}}]}"));
    }

    @Test
    void malformedRulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GuideSelectionRules.read("{\"rules\":[]}"));
        assertThrows(IllegalArgumentException.class, () -> GuideSelectionRules.read("not json"));
        assertThrows(IllegalArgumentException.class, () -> rules(rule("1", "include", "public", "a"), rule("1", "include", "public", "b")));
        assertThrows(IllegalArgumentException.class, () -> rules(rule("x", "include", "public", "a")));
        assertThrows(IllegalArgumentException.class, () -> rules(rule("1", "include", "", "a")));
    }
}
