package io.pgvectormigrate.aws.fake;

import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksResponse;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Stacks with outputs; an unknown stack fails as CloudFormation does (400 ValidationError "does not exist"). */
public final class FakeCloudFormation implements CloudFormationClient {
    private final Faults faults;
    public final Map<String, Map<String, String>> stacks = new LinkedHashMap<>();

    public FakeCloudFormation(Faults faults) {
        this.faults = faults;
    }

    @Override
    public String serviceName() {
        return "cloudformation";
    }

    @Override
    public synchronized DescribeStacksResponse describeStacks(DescribeStacksRequest r) {
        if (faults.before("cloudformation", "DescribeStacks")) {
            throw (RuntimeException) CloudFormationException.builder().message("Rate exceeded")
                    .awsErrorDetails(Faults.details("CloudFormation", "Throttling", "Rate exceeded", 400)).statusCode(400).build();
        }
        if (r.stackName() == null) {
            // every stack of the region, a page at a time with a NextToken
            Pages.Page<String> page = Pages.of(List.copyOf(stacks.keySet()), n -> n, r.nextToken(), null);
            if (page == null) {
                throw (RuntimeException) CloudFormationException.builder().message("Invalid NextToken")
                        .awsErrorDetails(Faults.details("CloudFormation", "ValidationError", "Invalid NextToken", 400)).statusCode(400).build();
            }
            return DescribeStacksResponse.builder().stacks(page.items().stream().map(this::stack).toList()).nextToken(page.next()).build();
        }
        if (!stacks.containsKey(r.stackName())) {
            String msg = "Stack with id " + r.stackName() + " does not exist";
            throw (RuntimeException) CloudFormationException.builder().message(msg)
                    .awsErrorDetails(Faults.details("CloudFormation", "ValidationError", msg, 400)).statusCode(400).build();
        }
        return DescribeStacksResponse.builder().stacks(stack(r.stackName())).build();
    }

    private Stack stack(String name) {
        List<Output> out = new ArrayList<>();
        stacks.get(name).forEach((k, v) -> out.add(Output.builder().outputKey(k).outputValue(v).build()));
        return Stack.builder().stackName(name).stackStatus(StackStatus.UPDATE_COMPLETE).outputs(out).build();
    }

    @Override
    public void close() {
    }
}
