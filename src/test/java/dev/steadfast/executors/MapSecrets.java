package dev.steadfast.executors;

import dev.steadfast.api.SecretKeyRef;
import java.util.HashMap;
import java.util.Map;

/** Secrets held in memory, keyed "name/key". */
final class MapSecrets implements Secrets {
  private final Map<String, String> values = new HashMap<>();

  MapSecrets with(String name, String key, String value) {
    values.put(name + "/" + key, value);
    return this;
  }

  @Override
  public String get(String namespace, SecretKeyRef ref) throws SecretNotFoundException {
    String value = values.get(ref.name + "/" + ref.key);
    if (value == null) {
      throw new SecretNotFoundException(
          "secret \"" + ref.name + "\" has no key \"" + ref.key + "\" in namespace " + namespace);
    }
    return value;
  }
}
