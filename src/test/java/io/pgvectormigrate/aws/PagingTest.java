package io.pgvectormigrate.aws;

import io.pgvectormigrate.aws.fake.FakeAws;
import io.pgvectormigrate.aws.fake.FakeRds;
import io.pgvectormigrate.aws.fake.Pages;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.secretsmanager.model.InvalidParameterException;
import software.amazon.awssdk.services.secretsmanager.model.SecretListEntry;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fakes' listings page as the models say (small pages, a Marker or NextToken, MaxRecords/MaxResults in range), and
 * the tool's listings, through the SDK paginators, read every page.
 */
class PagingTest {
    private final FakeAws aws = new FakeAws("eu-west-1");

    private long calls(String op) {
        return aws.faults.log().stream().filter(op::equals).count();
    }

    @Test
    void rdsListingsReadEveryPage() {
        int n = 3 * Pages.SIZE + 1;
        IntStream.range(0, n).forEach(i -> aws.rds.addCluster("c" + i, "16.4", null, List.of()));
        List<DBCluster> all = new RdsOps(aws.rds()).allClusters();
        assertEquals(n, all.size());
        assertEquals(n, all.stream().map(DBCluster::dbClusterIdentifier).distinct().count(), "no page read twice");
        assertEquals(4, calls("rds:DescribeDBClusters"), "one call per page");
    }

    @Test
    void secretListingsReadEveryPage() {
        int n = 2 * Pages.SIZE + 1;
        IntStream.range(0, n).forEach(i -> aws.secrets.add("s" + i, "{}"));
        List<SecretListEntry> all = aws.secretsManager().listSecretsPaginator(b -> { }).stream()
                .flatMap(p -> p.secretList().stream()).toList();
        assertEquals(n, all.size());
        assertEquals(3, calls("secretsmanager:ListSecrets"));
    }

    @Test
    void aPageDoesNotShiftWhenAnItemGoesBetweenCalls() {
        IntStream.range(0, 2 * Pages.SIZE).forEach(i -> aws.rds.addCluster("c" + i, "16.4", null, List.of()));
        var first = aws.rds().describeDBClusters(b -> { });
        first.dbClusters().forEach(c -> aws.rds.clusters.remove(c.dbClusterIdentifier()));
        var second = aws.rds().describeDBClusters(b -> b.marker(first.marker()));
        assertEquals(List.of("c2", "c3"), second.dbClusters().stream().map(DBCluster::dbClusterIdentifier).toList());
    }

    @Test
    void maxRecordsOutsideTheModelsRangeIsRefused() {
        RdsException e = assertThrows(RdsException.class, () -> aws.rds().describeDBClusters(b -> b.maxRecords(19)));
        assertEquals("InvalidParameterValue", e.awsErrorDetails().errorCode());
        assertThrows(RdsException.class, () -> aws.rds().describeDBInstances(b -> b.maxRecords(101)));
        assertThrows(RdsException.class, () -> aws.rds().describeDBClusters(b -> b.marker("not-ours")));
        // the contract recorder already refuses MaxResults outside the model's 1-100; the fake refuses it as the service does
        assertThrows(InvalidParameterException.class, () -> aws.secrets.listSecrets(b -> b.maxResults(0)));
        assertTrue(aws.rds().describeDBClusters(b -> b.maxRecords(20)).dbClusters().isEmpty(), "20 is allowed");
        FakeRds.Cluster c = aws.rds.addCluster("only", "16.4", null, List.of());
        assertEquals(1, aws.rds().describeDBClusters(b -> b.dbClusterIdentifier(c.id).maxRecords(100)).dbClusters().size());
    }
}
