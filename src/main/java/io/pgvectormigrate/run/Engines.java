package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.SubnetZones;
import io.pgvectormigrate.aws.dms.DmsOptions;
import io.pgvectormigrate.aws.dms.JournalDmsEngine;
import io.pgvectormigrate.replication.NativeEngine;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.pipeline.CopyEngine;

import java.util.function.UnaryOperator;

/**
 * The one place engines are made. Everything else holds a {@link CopyEngine}: commands, checks and the run assembly
 * never reach the concrete classes.
 */
public final class Engines {
    /** The journal's resource kind of a native run's subscription (live until cutover or teardown removes it). */
    public static final String NATIVE_SUBSCRIPTION = NativeEngine.SUBSCRIPTION;

    private Engines() {}

    /** The tool's own logical replication. */
    public static CopyEngine nativeEngine(NativeOptions options) {
        return new NativeEngine(options);
    }

    /**
     * An AWS DMS homogeneous data migration whose network, secrets and roles come from the run's journal (what restore
     * recorded), with the operator's settings on top.
     *
     * @param settings migration.yaml's {@code dms:} section, then flags, applied over the journal's defaults
     */
    public static CopyEngine dms(AwsClients aws, UnaryOperator<DmsOptions.Builder> settings) {
        return new JournalDmsEngine(aws.dms(), aws.iam(), aws.region(), settings,
                () -> SubnetZones.ofRegion(aws.rds()));
    }
}
