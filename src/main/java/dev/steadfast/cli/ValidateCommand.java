package dev.steadfast.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.validation.Problem;
import dev.steadfast.engine.validation.TaskValidator;
import dev.steadfast.local.TaskFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `steadfast validate FILE...`: schema and semantic checks, each problem with its field path. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Checks AgentTask files against the CRD schema, its CEL rules and semantic rules.",
      "Exit codes: 0 all valid, 2 a file is invalid."
    })
public final class ValidateCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "FILE", description = "AgentTask YAML files.")
  List<Path> files;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TaskValidator validator = TaskValidator.bundled();
    boolean ok = true;
    for (Path file : files) {
      List<JsonNode> docs;
      try {
        docs = TaskFile.read(file);
      } catch (TaskFile.InvalidFileException e) {
        err.println(e.getMessage());
        ok = false;
        continue;
      }
      for (JsonNode doc : docs) {
        String name = doc.path("metadata").path("name").asText("?");
        List<Problem> problems = validator.validate(doc);
        if (problems.isEmpty()) {
          out.println(file + ": " + name + ": valid");
        } else {
          ok = false;
          problems.forEach(p -> err.println(file + ": " + name + ": " + p));
        }
      }
    }
    out.flush();
    err.flush();
    return ok ? 0 : Main.EXIT_INVALID;
  }
}
