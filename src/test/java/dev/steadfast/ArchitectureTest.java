package dev.steadfast;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The layers of the house (STYLE.md): cli → local/operator → executors → engine → api, simulator
 * reached only from cli. Production classes only: tests may wire anything to anything.
 */
@AnalyzeClasses(packages = "dev.steadfast", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String OURS = "dev.steadfast..";

  private static final SliceAssignment EACH_PACKAGE =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
          String pkg = javaClass.getPackageName();
          return pkg.startsWith("dev.steadfast")
              ? SliceIdentifier.of(pkg)
              : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
          return "each package of dev.steadfast";
        }
      };

  @ArchTest
  static final ArchRule topLevelPackagesAreFreeOfCycles =
      slices().matching("dev.steadfast.(*)..").should().beFreeOfCycles();

  /**
   * Every package its own slice, so a parent and its sub-packages (engine and engine.policy,
   * executors and executors.classify) may not depend on each other both ways either.
   */
  @ArchTest
  static final ArchRule packagesAreFreeOfCycles =
      slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles();

  @ArchTest
  static final ArchRule engineDependsOnNoDriverNorIo =
      noClasses()
          .that()
          .resideInAPackage("dev.steadfast.engine..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.steadfast.executors..",
              "dev.steadfast.operator..",
              "dev.steadfast.local..",
              "dev.steadfast.cli..",
              "dev.steadfast.simulator..",
              // no Kubernetes calls in the engine: the model types come through api
              "io.fabric8.kubernetes.client..",
              "io.javaoperatorsdk..");

  @ArchTest
  static final ArchRule apiDependsOnNothingOfOurs =
      noClasses()
          .that()
          .resideInAPackage("dev.steadfast.api..")
          .should()
          .dependOnClassesThat(
              resideInAPackage(OURS).and(not(resideInAPackage("dev.steadfast.api.."))));

  @ArchTest
  static final ArchRule onlyCliReachesTheSimulator =
      noClasses()
          .that()
          .resideOutsideOfPackages("dev.steadfast.simulator..", "dev.steadfast.cli..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.steadfast.simulator..");

  @ArchTest
  static final ArchRule executorsDependOnNoDriver =
      noClasses()
          .that()
          .resideInAPackage("dev.steadfast.executors..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.steadfast.operator..", "dev.steadfast.local..", "dev.steadfast.cli..");
}
