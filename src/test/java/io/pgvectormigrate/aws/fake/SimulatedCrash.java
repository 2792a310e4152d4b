package io.pgvectormigrate.aws.fake;

/**
 * The process dying right after an AWS call took effect. An Error, so no catch (RuntimeException) in the tool
 * can swallow it, just as nothing runs after a real kill -9.
 */
public final class SimulatedCrash extends Error {
    public SimulatedCrash(String afterCall) {
        super("simulated crash right after " + afterCall);
    }
}
