package io.pgvectormigrate.cli;

import io.pgvectormigrate.run.DmsCopy;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Picocli mixin: what the step commands need for --engine dms beyond the AWS options (migrate, cutover). */
public class DmsRunOptions {
    @Mixin
    DmsFlags flags = new DmsFlags();

    @Option(names = "--config", paramLabel = "FILE", description = "dms: read migration.yaml's dms: section (flags win).")
    Path config;

    @Option(names = "--source-secret-arn", paramLabel = "ARN", description = "dms: the secret DMS reads the source's login from "
            + "(default: the run's tool-owned secret).")
    String sourceSecretArn;

    @Option(names = "--target-secret-arn", paramLabel = "ARN", description = "dms: the secret DMS reads the target's login from "
            + "(default: the stack's DbConfigSecretArn).")
    String targetSecretArn;

    /** The DMS options as given (CopyPass checks them, before any AWS client exists). */
    DmsCopy.Inputs inputs(Path cwd) {
        return new DmsCopy.Inputs(config == null ? null : cwd.resolve(config), flags.toConfig(), sourceSecretArn, targetSecretArn);
    }
}
