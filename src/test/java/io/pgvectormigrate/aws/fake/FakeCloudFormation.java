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
        Map<String, String> outputs = stacks.get(r.stackName());
        if (outputs == null) {
            String msg = "Stack with id " + r.stackName() + " does not exist";
            throw (RuntimeException) CloudFormationException.builder().message(msg)
                    .awsErrorDetails(Faults.details("CloudFormation", "ValidationError", msg, 400)).statusCode(400).build();
        }
        List<Output> out = new ArrayList<>();
        outputs.forEach((k, v) -> out.add(Output.builder().outputKey(k).outputValue(v).build()));
        return DescribeStacksResponse.builder().stacks(Stack.builder().stackName(r.stackName())
                .stackStatus(StackStatus.UPDATE_COMPLETE).outputs(out).build()).build();
    }

    @Override
    public void close() {
    }
}
