package io.pgvectormigrate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The benchmarks: {@link BenchmarkVerify} and {@link BenchmarkCopy}, on local throwaway instances. */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = {"Measures the tool's speed on local throwaway PostgreSQL instances (no cloud), against baselines and "
                + "peers in the same run: see docs/benchmarks.md.", ""},
        subcommands = {BenchmarkVerify.class, BenchmarkCopy.class},
        footer = {"", "Examples:", "  pgvector-migrate benchmark verify --rows 100000,1000000",
                "  pgvector-migrate benchmark copy --rows 100000 --repeat 3"})
public final class BenchmarkCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark: pick one of the subcommands below");
    }
}
