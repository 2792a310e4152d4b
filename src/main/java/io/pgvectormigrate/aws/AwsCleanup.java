package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Deletes exactly what a run created: the resources its journal lists (or, with discover, those tagged with
 * its run id), dependents first, waiting until each is gone. Refuses anything whose tags do not name the run,
 * never touches the snapshot the run restored from, the target cluster or the cluster capture copied from,
 * and keeps snapshots. Idempotent: a second run finds everything gone and does nothing.
 */
public record AwsCleanup(AwsClients aws, AwsWaits waits, List<ResourceHandler> handlers) {
    public enum Action { DELETE, GONE, REFUSE, KEEP, DELETED }

    public record Options(boolean discover, boolean finalSnapshot, boolean dryRun, Duration waitTimeout) {}

    /** One resource and what cleanup does (or did) with it. */
    public record Item(String kind, String id, Action action, String status, String detail) {
        Item with(Action a, String d) {
            return new Item(kind, id, a, status, d);
        }
    }

    public record Report(String runId, String region, String source, boolean dryRun, List<Item> items) {
        public long count(Action a) {
            return items.stream().filter(i -> i.action() == a).count();
        }
    }

    /** With extra handlers (e.g. for DMS kinds) in addition to or instead of the standard ones. */
    public AwsCleanup {
        handlers = List.copyOf(handlers);
    }

    public AwsCleanup(AwsClients aws, AwsWaits waits) {
        this(aws, waits, AwsHandlers.standard(aws, waits));
    }

    private Optional<ResourceHandler> handler(String kind) {
        return handlers.stream().filter(h -> h.kind().equals(kind)).findFirst();
    }

    /**
     * Decides, without changing anything, what cleanup would do with each resource of the run. Resources of
     * kinds no handler knows (another engine's) are left out.
     */
    public List<Item> inspect(Journal journal, String runId, boolean discover) {
        Set<String> protectedIds = protectedIds(journal == null ? Map.of() : journal.parameters());
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        if (journal != null) {
            for (Resource r : journal.liveResourcesNewestFirst()) {
                handler(r.kind()).ifPresent(h -> candidates.putIfAbsent(r.kind() + "\u0000" + r.id(),
                        new Candidate(h, r.id(), r.attributes(), null)));
            }
        }
        if (discover) {
            for (ResourceHandler h : handlers) {
                for (ResourceHandler.Live l : h.discover(runId)) {
                    candidates.putIfAbsent(h.kind() + "\u0000" + l.id(), new Candidate(h, l.id(), l.attributes(), l));
                }
            }
        }
        List<Candidate> ordered = new ArrayList<>(candidates.values());
        ordered.sort(Comparator.comparingInt(c -> c.handler.order()));
        List<Item> items = new ArrayList<>();
        for (Candidate c : ordered) {
            ResourceHandler h = c.handler;
            Optional<ResourceHandler.Live> live = c.live != null ? Optional.of(c.live) : h.inspect(c.id, c.attributes);
            if (live.isEmpty()) {
                items.add(new Item(h.kind(), c.id, Action.GONE, "not found", "already gone"));
                continue;
            }
            ResourceHandler.Live l = live.get();
            boolean isProtected = protectedIds.contains(c.id) || protectedIds.contains(l.attributes().get(Kinds.ATTR_ARN));
            if (h.keep()) {
                items.add(new Item(h.kind(), c.id, Action.KEEP, l.status(), isProtected ? "the snapshot this run restored from: never deleted"
                        : "snapshots are kept; delete it yourself when no longer needed: "
                        + "aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier " + c.id));
            } else if (isProtected) {
                items.add(new Item(h.kind(), c.id, Action.REFUSE, l.status(), "the source snapshot, the target cluster and the captured cluster are never touched"));
            } else if (!Tags.belongsTo(l.tags(), runId)) {
                items.add(new Item(h.kind(), c.id, Action.REFUSE, l.status(), "not tagged " + Tags.RUN_ID + "=" + runId + ": left in place"));
            } else {
                items.add(new Item(h.kind(), c.id, Action.DELETE, l.status(), null));
            }
        }
        return items;
    }

    private static Set<String> protectedIds(Map<String, String> p) {
        return Stream.of("aws.snapshot", "aws.snapshotId", "aws.target.cluster", "aws.target.clusterArn",
                "aws.capture.cluster", "aws.capture.sourceSecret", "aws.target.secretArn")
                .map(p::get).filter(Objects::nonNull).collect(Collectors.toSet());
    }

    /**
     * Runs the deletions decided by {@link #inspect}. Records discovered resources in the journal first, marks
     * each deleted once AWS no longer has it, and stops at the first failure (a re-run continues from there).
     */
    public Report execute(Journal journal, String runId, String source, List<Item> items, Options o) {
        RunNames names = new RunNames(runId);
        ResourceHandler.DeleteContext ctx = new ResourceHandler.DeleteContext(journal, names, aws.region(), o.finalSnapshot(),
                o.waitTimeout());
        List<Item> result = new ArrayList<>(items);
        if (o.dryRun()) return new Report(runId, aws.region(), source, true, result);
        for (Item it : result) {
            if (it.action() == Action.GONE) {
                journal.markDeleted(it.kind(), it.id());
            } else if ((it.action() == Action.DELETE || it.action() == Action.KEEP)
                    && journal.resource(it.kind(), it.id()).isEmpty()) {
                journal.recordResource(it.kind(), it.id(), Map.of(Kinds.ATTR_REGION, aws.region()));
            }
        }
        for (int i = 0; i < result.size(); i++) {
            Item it = result.get(i);
            if (it.action() != Action.DELETE) continue;
            ResourceHandler h = handler(it.kind()).orElseThrow();
            // look again right before deleting: the state (and the tags) may have changed since inspect
            Optional<ResourceHandler.Live> live = h.inspect(it.id(), journal.resource(it.kind(), it.id())
                    .map(Resource::attributes).orElse(Map.of()));
            if (live.isEmpty()) {
                journal.markDeleted(it.kind(), it.id());
                result.set(i, it.with(Action.GONE, "already gone"));
                continue;
            }
            if (!Tags.belongsTo(live.get().tags(), runId)) {
                result.set(i, it.with(Action.REFUSE, "not tagged " + Tags.RUN_ID + "=" + runId + ": left in place"));
                continue;
            }
            waits.progress().info("deleting " + it.kind() + " " + it.id() + " (" + live.get().status() + ")");
            try {
                h.delete(live.get(), ctx);
            } catch (ToolException e) {
                throw new ToolException(e.exitCode(), "cleanup of run " + runId + " stopped at " + it.kind() + " " + it.id()
                        + ": " + e.getMessage(), e);
            }
            journal.markDeleted(it.kind(), it.id());
            if (it.kind().equals(Kinds.RDS_CLUSTER)) journal.putParameter(AwsProvider.P_CLEANED_UP, "true");
            result.set(i, new Item(it.kind(), it.id(), Action.DELETED, "gone", null));
        }
        // final snapshots taken on the way are kept: list them
        Optional<ResourceHandler> snapshots = handler(Kinds.RDS_SNAPSHOT);
        for (Resource r : journal.resourcesOfKind(Kinds.RDS_SNAPSHOT)) {
            boolean listed = result.stream().anyMatch(it -> it.kind().equals(r.kind()) && it.id().equals(r.id()));
            if (!listed && !r.deleted() && snapshots.isPresent()) {
                String status = snapshots.get().inspect(r.id(), r.attributes()).map(ResourceHandler.Live::status).orElse("not found");
                result.add(new Item(r.kind(), r.id(), Action.KEEP, status, "final snapshot of the temporary cluster; "
                        + "delete it yourself when no longer needed: aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier " + r.id()));
            }
        }
        return new Report(runId, aws.region(), source, false, result);
    }

    private record Candidate(ResourceHandler handler, String id, Map<String, String> attributes,
                             ResourceHandler.Live live) {}
}
