package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Credentials for an HTTP call, taken from a Secret at attempt time. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.scheme) || self.scheme != 'Header' || has(self.header)",
    message = "auth.header is required when scheme is Header",
    reason = "FieldValueRequired")
public class HttpAuth {
  /** How the secret value is sent. */
  public enum Scheme {
    Bearer,
    Basic,
    Header
  }

  @JsonPropertyDescription("The Secret and key holding the credential.")
  @Required
  public SecretKeyRef secretRef;

  @JsonPropertyDescription(
      "Bearer: Authorization: Bearer <value>; Basic: Authorization: Basic <value> (value is user:password); Header: the value in the header named by `header`. Default Bearer.")
  public Scheme scheme;

  @JsonPropertyDescription("Header name used with scheme Header (for example X-API-Key).")
  public String header;
}
