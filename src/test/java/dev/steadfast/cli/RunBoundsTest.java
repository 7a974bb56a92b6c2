package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.cli.ValidateCommandTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `steadfast run` and docs/security.md "Names are safe everywhere" and "Bounded work per task". */
class RunBoundsTest {
  // Never called: every case here is refused or fails before any attempt starts.
  static final String STEP = "      http: {url: 'http://127.0.0.1:9/never'}\n";

  static Path task(Path dir, String name, String steps) throws Exception {
    Path file = dir.resolve("task.yaml");
    Files.writeString(
        file,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
            + name
            + "}\nspec:\n  steps:\n"
            + steps);
    return file;
  }

  static long filesUnder(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void aTaskNameLeavingTheStateDirIsRefusedWithExitTwoNamingTheField(@TempDir Path dir)
      throws Exception {
    Path state = dir.resolve("a/b/state");
    Path file = task(dir, "'../..'", "    - name: a\n" + STEP);

    Result r = ValidateCommandTest.run("run", file.toString(), "--state-dir", state.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("metadata.name").contains("\"../..\"").contains("--state-dir");
    assertThat(filesUnder(dir)).as("only the task file exists").isEqualTo(1);
    assertThat(state).doesNotExist();
  }

  @Test
  void slashesAbsolutePathsAndTheRunnersOwnEntriesAreRefusedToo(@TempDir Path dir)
      throws Exception {
    for (String name : new String[] {"'a/b'", "/tmp/x", "'..'", "cache", "breakers.json"}) {
      Path file = task(dir, name, "    - name: a\n" + STEP);
      Result r =
          ValidateCommandTest.run(
              "run", file.toString(), "--state-dir", dir.resolve("state").toString());
      assertThat(r.code()).as(name).isEqualTo(2);
      assertThat(r.err()).as(name).contains("metadata.name");
    }
    assertThat(dir.resolve("state")).doesNotExist();
  }

  @Test
  void aStepNameLeavingTheStateDirIsRefusedByTheSchema(@TempDir Path dir) throws Exception {
    Path file = task(dir, "fine", "    - name: '../../x'\n" + STEP);

    Result r =
        ValidateCommandTest.run(
            "run", file.toString(), "--state-dir", dir.resolve("state").toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("spec.steps[0].name");
    assertThat(dir.resolve("state")).doesNotExist();
  }

  @Test
  void aSecretNameThatIsNotDns1123IsRefused(@TempDir Path dir) throws Exception {
    Path file =
        task(
            dir,
            "fine",
            "    - name: a\n      llm: {endpoint: 'http://127.0.0.1:9/v1', model: m,"
                + " apiKeySecretRef: {name: '../../etc', key: passwd},"
                + " messages: [{role: user, content: hi}]}\n");

    Result r =
        ValidateCommandTest.run(
            "run", file.toString(), "--state-dir", dir.resolve("state").toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("spec.steps[0].llm.apiKeySecretRef.name");
  }

  @Test
  void maxTotalAttemptsOverItsMaximumIsRefused(@TempDir Path dir) throws Exception {
    Path file = task(dir, "fine", "    - name: a\n" + STEP).resolveSibling("task.yaml");
    Files.writeString(
        file, Files.readString(file).replace("spec:\n", "spec:\n  maxTotalAttempts: 100001\n"));

    Result r =
        ValidateCommandTest.run(
            "run", file.toString(), "--state-dir", dir.resolve("state").toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("spec.maxTotalAttempts");
  }

  @Test
  void aForEachOverMaxItemsFailsTheTaskInvalidSpec(@TempDir Path dir) throws Exception {
    Path file = task(dir, "many", "    - name: each\n      forEach: {items: '[1, 2, 3]'}\n" + STEP);
    Path status = dir.resolve("status.yaml");

    Result r =
        ValidateCommandTest.run(
            "run",
            file.toString(),
            "--quiet",
            "--max-items",
            "2",
            "--state-dir",
            dir.resolve("state").toString(),
            "--status-out",
            status.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(Files.readString(status))
        .contains("InvalidSpec")
        .contains("3 items, over the limit of 2 (--max-items)");
  }

  @Test
  void aMaxItemsBelowOneIsAUsageError(@TempDir Path dir) throws Exception {
    Path file = task(dir, "fine", "    - name: a\n" + STEP);

    Result r = ValidateCommandTest.run("run", file.toString(), "--max-items", "0");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--max-items must be at least 1");
  }
}
