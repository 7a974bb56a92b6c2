package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A chat message. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Message {
  /** Message roles. */
  public enum Role {
    system,
    user,
    assistant
  }

  @JsonPropertyDescription("Who speaks: system, user or assistant.")
  @Required
  public Role role;

  @JsonPropertyDescription("Message text (templated).")
  @Required
  public String content;

  public Message() {}

  public Message(Role role, String content) {
    this.role = role;
    this.content = content;
  }
}
