package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsErrors;
import software.amazon.awssdk.services.databasemigration.model.InvalidResourceStateException;
import software.amazon.awssdk.services.databasemigration.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.databasemigration.model.ResourceNotFoundException;

import java.util.function.Supplier;

/**
 * One DMS call, through the tool's one AWS translation ({@link AwsErrors}), a denial naming the IAM action the call
 * needs (which is not always the operation: DescribeDataProviders is dms:ListDataProviders). The faults the DMS code
 * handles itself (not found, invalid state, already exists) reach it unchanged.
 */
final class DmsCalls {
    private DmsCalls() {}

    static <T> T call(String operation, Supplier<T> call) {
        return AwsErrors.call(IamPolicies.iamActionFor("dms", operation), call,
                ResourceNotFoundException.class, InvalidResourceStateException.class, ResourceAlreadyExistsException.class);
    }
}
