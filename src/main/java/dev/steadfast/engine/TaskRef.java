package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskSpec;
import java.util.Map;

/**
 * The identity and desired state of a task, as the engine sees it: no Kubernetes types.
 *
 * @param uid the task's uid in a cluster; null locally (a run id is generated and checkpointed)
 */
public record TaskRef(
    String name,
    String namespace,
    String uid,
    Long generation,
    AgentTaskSpec spec,
    Map<String, String> annotations) {}
