package io.pgvectormigrate.cli;

import io.pgvectormigrate.report.Progress;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * What every subcommand has: the CLI context (set by {@link Main} when it makes the command, so nothing is global) and
 * the common options. A subcommand parses its own options, calls the core and maps the result to an exit code.
 */
abstract class ToolCommand implements Callable<Integer> {
    CliContext ctx;

    @Mixin
    CommonOptions common = new CommonOptions();

    /** Progress lines on stderr, bars only on a terminal and without --no-progress. */
    Progress progress() {
        return Progress.to(ctx.err(), ctx.errIsTerminal() && !common.noProgress);
    }
}
