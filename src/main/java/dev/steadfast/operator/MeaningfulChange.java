package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Which updates of an AgentTask are worth a reconcile: a new spec (generation), an annotation (the
 * retry annotation changes metadata only), a label, the finalizers, or a deletion. A status-only
 * update is the operator's own checkpoint write coming back through the watch, or an older
 * replica's write that loses anyway: reconciling on it would redo the work of the reconcile that
 * wrote it. Attempt outcomes and timers trigger reconciles through their own event sources.
 */
public final class MeaningfulChange implements OnUpdateFilter<AgentTask> {
  @Override
  public boolean accept(AgentTask updated, AgentTask old) {
    ObjectMeta now = updated.getMetadata();
    ObjectMeta before = old.getMetadata();
    return !Objects.equals(now.getGeneration(), before.getGeneration())
        || !Objects.equals(now.getAnnotations(), before.getAnnotations())
        || !Objects.equals(now.getLabels(), before.getLabels())
        || !Objects.equals(now.getFinalizers(), before.getFinalizers())
        || !Objects.equals(now.getDeletionTimestamp(), before.getDeletionTimestamp());
  }
}
