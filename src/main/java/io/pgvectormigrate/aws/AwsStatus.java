package io.pgvectormigrate.aws;

import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The journal of a run next to what AWS says about each of its resources now. Changes nothing. */
public final class AwsStatus {
    /**
     * @param journal "live", "deleted <time>", or "not in journal" (found by tag)
     * @param aws     the resource's status in AWS, or "not found"
     * @param tagged  whether it carries the run's tag (cleanup deletes only those); null when it does not exist
     */
    public record Row(String kind, String id, String journal, String aws, Boolean tagged) {}

    public record Step(String step, String status, String message) {}

    public record Report(String runId, String region, String command, List<Step> steps, List<Row> resources) {}

    private AwsStatus() {}

    /** @param handlers every kind the run may hold (the DMS engine's and the temporary cluster's) */
    public static Report of(AwsClients aws, Journal j, boolean discover, List<ResourceHandler> handlers) {
        return AwsErrors.guard(() -> {
            List<Row> rows = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (Resource r : j.resources()) {
                Optional<ResourceHandler> h = handlers.stream().filter(x -> x.kind().equals(r.kind())).findFirst();
                seen.add(r.kind() + "\u0000" + r.id());
                String journalState = r.deleted() ? "deleted " + r.deletedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) : "live";
                if (h.isEmpty()) {
                    rows.add(new Row(r.kind(), r.id(), journalState, "(not an AWS provider resource)", null));
                    continue;
                }
                Optional<ResourceHandler.Live> live = h.get().inspect(r.id(), r.attributes());
                rows.add(new Row(r.kind(), r.id(), journalState, live.map(ResourceHandler.Live::status).orElse("not found"),
                        live.map(l -> Tags.belongsTo(l.tags(), j.runId())).orElse(null)));
            }
            if (discover) {
                for (ResourceHandler h : handlers) {
                    for (ResourceHandler.Live l : h.discover(j.runId())) {
                        if (seen.add(h.kind() + "\u0000" + l.id())) {
                            rows.add(new Row(h.kind(), l.id(), "not in journal", l.status(), true));
                        }
                    }
                }
            }
            List<Step> steps = j.snapshot().steps().stream().map(s -> new Step(s.step().id(),
                    s.status().name().toLowerCase(java.util.Locale.ROOT), s.message())).toList();
            return new Report(j.runId(), j.parameter(AwsProvider.P_REGION).orElse(aws.region()), j.snapshot().command(),
                    steps, rows);
        });
    }
}
