package dev.steadfast.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against the JVM's shared real API server (etcd + kube-apiserver,
 * see {@link KubeApiServerExtension}). Tagged {@code e2e}: {@code ./mvnw verify
 * -DexcludedGroups=e2e} runs every other test.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("e2e")
@ExtendWith(KubeApiServerExtension.class)
public @interface RealApiServer {}
