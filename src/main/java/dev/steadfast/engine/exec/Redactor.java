package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The secret values one task has resolved, so that none of its outputs, transcripts, cache entries,
 * status messages, events or log lines repeats one in any spelling a server may echo (see {@link
 * SecretForms}). One instance per task, never shared between tasks: a task's masks must not reveal,
 * by masking its own echoes, which values another task holds. Thread-safe: the attempts of a task
 * register values concurrently while outcomes are redacted.
 *
 * <p>Short values are masked too. A two-character secret masks those two characters wherever they
 * appear in the task's outputs, which can disfigure them; the alternative, publishing the value
 * whenever a server echoes it, is worse. Only an empty value is ignored: there is nothing to mask.
 */
public final class Redactor {
  public static final String MASK = "[REDACTED]";

  /** docs/errors.md: messages never carry more than 1 KiB of a body. */
  public static final int MAX_EXCERPT_BYTES = 1024;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  // Each value with its forms, computed once; `masks` is rebuilt (copy-on-write) when one is added.
  private final Map<String, Set<String>> forms = new LinkedHashMap<>();
  private volatile Masks masks = Masks.EMPTY;

  /** Remembers a secret value, and the value without surrounding whitespace; null is ignored. */
  public void register(String value) {
    if (value == null) {
      return;
    }
    // Mounted secrets often end with a newline that the executors strip before use.
    add(List.of(value, value.strip()));
  }

  /** Takes over the values another redactor holds (an attempt's, into its task's). */
  public void absorb(Redactor other) {
    if (other != null && other != this) {
      add(other.values());
    }
  }

  /** The registered values. */
  public synchronized List<String> values() {
    return List.copyOf(forms.keySet());
  }

  private synchronized void add(List<String> values) {
    boolean added = false;
    for (String v : values) {
      if (!v.isEmpty() && !forms.containsKey(v)) {
        forms.put(v, SecretForms.of(v));
        added = true;
      }
    }
    if (added) {
      List<String> all = new ArrayList<>();
      forms.values().forEach(all::addAll);
      masks = new Masks(all, MASK);
    }
  }

  /** The text with every form of every registered value replaced by [REDACTED]. */
  public String redact(String text) {
    return masks.apply(text);
  }

  /**
   * The JSON with every string, key and number that carries a registered value redacted; the same
   * node when nothing needed masking (the input is never modified: it may be part of a spec).
   */
  public JsonNode redact(JsonNode node) {
    if (node == null || masks.size() == 0) {
      return node;
    }
    if (node.isTextual()) {
      String text = node.textValue();
      String masked = redact(text);
      return masked.equals(text) ? node : TextNode.valueOf(masked);
    }
    if (node.isNumber()) {
      // A numeric secret (a PIN, an account number) echoed as a JSON number.
      String text = node.asText();
      String masked = redact(text);
      return masked.equals(text) ? node : TextNode.valueOf(masked);
    }
    if (node instanceof ObjectNode object) {
      return redactObject(object);
    }
    if (node instanceof ArrayNode array) {
      ArrayNode copy = null;
      for (int i = 0; i < array.size(); i++) {
        JsonNode item = array.get(i);
        JsonNode masked = redact(item);
        if (masked != item && copy == null) {
          copy = F.arrayNode(array.size());
          for (int k = 0; k < i; k++) {
            copy.add(array.get(k));
          }
        }
        if (copy != null) {
          copy.add(masked);
        }
      }
      return copy == null ? node : copy;
    }
    return node;
  }

  private JsonNode redactObject(ObjectNode object) {
    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(object.size());
    boolean changed = false;
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      String key = redact(e.getKey());
      JsonNode value = redact(e.getValue());
      changed |= !key.equals(e.getKey()) || value != e.getValue();
      entries.add(Map.entry(key, value));
    }
    if (!changed) {
      return object;
    }
    // Two keys masked alike collapse into one; the later value wins, and neither key leaks.
    ObjectNode copy = F.objectNode();
    entries.forEach(e -> copy.set(e.getKey(), e.getValue()));
    return copy;
  }

  /** The failure with its message redacted. */
  public Failure redact(Failure failure) {
    if (failure == null || failure.message() == null) {
      return failure;
    }
    return new Failure(
        failure.tier(),
        failure.reason(),
        redact(failure.message()),
        failure.code(),
        failure.retryAfter());
  }

  /** An attempt's outcome with its output, transcript, note, message and quoted reply redacted. */
  public Outcome redact(Outcome outcome) {
    if (outcome == null || masks.size() == 0) {
      return outcome;
    }
    if (outcome instanceof Outcome.Success s) {
      return new Outcome.Success(redact(s.output()), s.usage());
    }
    if (outcome instanceof Outcome.Progress p) {
      return new Outcome.Progress(redact(p.transcript()), redact(p.note()), p.usage());
    }
    Outcome.Failed f = (Outcome.Failed) outcome;
    return new Outcome.Failed(redact(f.failure()), redact(f.invalidContent()), f.usage());
  }

  /**
   * A body fit for a message: redacted first (so a secret straddling the cut cannot leak in part),
   * whitespace runs collapsed so the message stays one line, then cut to 1 KiB of UTF-8.
   */
  public String excerpt(String body) {
    if (body == null) {
      return "";
    }
    String text = redact(body).strip().replaceAll("\\s+", " ");
    return capUtf8(text, MAX_EXCERPT_BYTES);
  }

  /**
   * Cuts text to at most {@code maxBytes} of UTF-8, ending with … when cut, never mid-character.
   */
  public static String capUtf8(String text, int maxBytes) {
    if (text.length() * 3 <= maxBytes || text.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
      return text;
    }
    int budget = maxBytes - 3; // the ellipsis is 3 bytes in UTF-8
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > budget) {
        break;
      }
      bytes += size;
      end += Character.charCount(cp);
    }
    return text.substring(0, end) + "…";
  }
}
