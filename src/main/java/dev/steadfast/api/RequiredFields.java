package dev.steadfast.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Fields of the annotated field's object that are required here, though its type leaves them
 * optional where it is used elsewhere: an llm step's {@code llm} names its endpoint, model and
 * messages, while a fallback's {@code llm} may override only some of them. The CRD says it with
 * {@code required} on this property's schema, which the API server checks at no CEL cost (a CEL
 * rule is evaluated again on every write of a task, status writes included).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface RequiredFields {
  String[] value();
}
