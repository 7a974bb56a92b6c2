package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** An environment variable of a job container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!(has(self.value) && has(self.valueFrom))",
    message = "set value or valueFrom, not both",
    reason = "FieldValueInvalid")
public class JobEnvVar {
  @JsonPropertyDescription("Variable name.")
  @Required
  public String name;

  @JsonPropertyDescription("Literal value (templated).")
  public String value;

  @JsonPropertyDescription("Take the value from a Secret key.")
  public ValueFrom valueFrom;

  /** Source of a variable's value. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ValueFrom {
    @JsonPropertyDescription("The Secret and key to read.")
    @Required
    public SecretKeyRef secretKeyRef;
  }
}
