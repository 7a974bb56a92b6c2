package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A key of a Secret in the task's namespace (locally: the file DIR/name/key). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeyRef {
  @JsonPropertyDescription("Name of the Secret.")
  @Required
  @Size(min = 1, max = 253)
  public String name;

  @JsonPropertyDescription("Key within the Secret.")
  @Required
  @Size(min = 1, max = 253)
  public String key;

  public SecretKeyRef() {}

  public SecretKeyRef(String name, String key) {
    this.name = name;
    this.key = key;
  }
}
