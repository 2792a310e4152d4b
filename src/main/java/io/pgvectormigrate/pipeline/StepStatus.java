package io.pgvectormigrate.pipeline;

/** Where a step stands in the journal. RUNNING found on load means the previous process died in it. */
public enum StepStatus { PENDING, RUNNING, DONE, FAILED, SKIPPED }
