package dev.steadfast.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A list whose items are identified by these fields: the CRD marks it {@code
 * x-kubernetes-list-type: map} with these {@code x-kubernetes-list-map-keys}, so the API server
 * refuses two items with the same key ("Duplicate value") and server-side apply merges the list
 * item by item.
 *
 * <p>The API server checks it in one pass. The CEL rule it replaces ({@code self.all(t,
 * self.exists_one(u, u.name == t.name))}) compared every pair, and the API server evaluates a CRD's
 * rules again on every status write (docs/benchmarks.md). Only on a list inside an atomic one (an
 * agent's tools, inside {@code spec.steps}): on a list that server-side apply merges itself, it
 * would change how the lists of objects created before are merged.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface ListMapKeys {
  String[] value();
}
