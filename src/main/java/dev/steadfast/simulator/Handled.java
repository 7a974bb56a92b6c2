package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request after the simulator has decided everything about it, before anything is sent.
 *
 * @param fault the fault whose answer {@code outcome} is, or null
 */
record Handled(
    long sequence, String api, String model, JsonNode body, FaultKind fault, Outcome outcome) {}
