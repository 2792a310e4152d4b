package io.pgvectormigrate.aws;

import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBSubnetGroup;
import software.amazon.awssdk.services.rds.model.Subnet;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Availability Zone of each subnet, as DescribeDBSubnetGroups reports it (Subnet.SubnetAvailabilityZone), for the
 * DMS rule that a replication subnet group covers two Availability Zones. The tool has no EC2 client: the DB subnet
 * groups of the region are where it learns subnets' zones.
 */
public final class SubnetZones {
    private SubnetZones() {}

    public static Map<String, String> of(List<DBSubnetGroup> groups) {
        return groups.stream().flatMap(g -> g.subnets().stream()).filter(s -> s.subnetIdentifier() != null
                        && s.subnetAvailabilityZone() != null && s.subnetAvailabilityZone().name() != null)
                .collect(Collectors.toMap(Subnet::subnetIdentifier, s -> s.subnetAvailabilityZone().name(),
                        (first, last) -> last, LinkedHashMap::new));
    }

    /** Every DB subnet group of the region, through the SDK's paginator (MaxRecords 20-100, Marker). */
    public static Map<String, String> ofRegion(RdsClient rds) {
        return of(rds.describeDBSubnetGroupsPaginator(b -> b.maxRecords(100)).dbSubnetGroups().stream().toList());
    }

    public static String format(Map<String, String> zones) {
        return zones.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    public static Map<String, String> parse(String text) {
        if (text == null || text.isBlank()) return new LinkedHashMap<>();
        return Arrays.stream(text.split(",")).filter(pair -> pair.indexOf('=') > 0).collect(Collectors.toMap(
                pair -> pair.substring(0, pair.indexOf('=')), pair -> pair.substring(pair.indexOf('=') + 1),
                (first, last) -> last, LinkedHashMap::new));
    }
}
