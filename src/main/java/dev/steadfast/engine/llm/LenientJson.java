package dev.steadfast.engine.llm;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Reads JSON out of a model's reply the way models actually write it: bare, inside a Markdown code
 * fence, or inside prose ("Here is the result: {...} Let me know if...").
 */
final class LenientJson {

  /** The parsed value, or null with the parser's short message explaining why not. */
  record Parsed(JsonNode value, String error) {}

  // Trailing tokens must fail, or "{...} and some prose" would silently parse as the object and
  // "42 apples" as 42; the candidate search below handles prose deliberately instead.
  private static final ObjectMapper STRICT =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  // Each candidate costs a parse of its span; a reply full of bracketed spans ("[1] see [2]") must
  // not turn parsing quadratic. Finding the spans is linear (BracketSpans).
  private static final int MAX_CANDIDATES = 32;

  private LenientJson() {}

  static Parsed parse(String content) {
    String text = content.strip();
    Parsed whole = strict(text);
    if (whole.value() != null) {
      return whole;
    }
    // The most specific error wins: the fence body, else the first bracketed candidate, because
    // "Unrecognized token 'Here'" tells the model less than the error inside its JSON.
    String error = whole.error();
    String fenced = fenceBody(text);
    if (fenced != null) {
      Parsed inFence = strict(fenced);
      if (inFence.value() != null) {
        return inFence;
      }
      error = inFence.error();
    }
    boolean firstCandidate = fenced == null;
    int[] close = BracketSpans.closingIndexes(text);
    int tried = 0;
    for (int i = 0; i < text.length() && tried < MAX_CANDIDATES; i++) {
      int end = close[i];
      if (end == BracketSpans.UNCLOSED) {
        continue;
      }
      tried++;
      Parsed candidate = strict(text.substring(i, end + 1));
      if (candidate.value() != null) {
        return candidate;
      }
      if (firstCandidate) {
        error = candidate.error();
        firstCandidate = false;
      }
    }
    return new Parsed(null, error);
  }

  /** The body of the first ``` fence (closed or not, e.g. when the reply stops inside it). */
  static String fenceBody(String text) {
    int open = text.indexOf("```");
    if (open < 0) {
      return null;
    }
    int newline = text.indexOf('\n', open);
    if (newline < 0) {
      return null;
    }
    // Only an info string such as "json" may follow the fence on its line.
    String info = text.substring(open + 3, newline).strip();
    if (!info.matches("[A-Za-z0-9_+.-]*")) {
      return null;
    }
    int close = text.indexOf("```", newline + 1);
    return (close < 0 ? text.substring(newline + 1) : text.substring(newline + 1, close)).strip();
  }

  private static Parsed strict(String text) {
    try {
      JsonNode value = STRICT.readTree(text);
      // Jackson answers "" with a MissingNode rather than an error, e.g. for an empty fence.
      return value == null || value.isMissingNode()
          ? new Parsed(null, "no JSON value found")
          : new Parsed(value, null);
    } catch (JsonProcessingException e) {
      return new Parsed(null, shortMessage(e));
    }
  }

  // getMessage() appends a source excerpt; the original message plus line/column is what a model
  // (and a person reading the status) can act on.
  private static String shortMessage(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (message == null || message.isBlank()) {
      message = "no JSON value found";
    }
    JsonLocation at = e.getLocation();
    if (at != null && at.getLineNr() > 0) {
      message += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
    return message;
  }
}
