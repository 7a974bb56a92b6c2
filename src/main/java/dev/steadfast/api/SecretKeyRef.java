package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A key of a Secret in the task's namespace (locally: the file DIR/name/key). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeyRef {
  /** A DNS-1123 subdomain, as the API server requires of a Secret's name. */
  public static final String NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  @JsonPropertyDescription(
      "Name of the Secret: a DNS-1123 subdomain (lower case letters, digits, '-' and '.').")
  @Required
  @Size(min = 1, max = 253)
  @Pattern(NAME_PATTERN)
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
