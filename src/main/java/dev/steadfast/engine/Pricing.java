package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.exec.TokenUsage;
import dev.steadfast.engine.format.YamlDocuments;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The price table of --pricing (docs/cost.md): for each model name or glob, the price of a million
 * input tokens and of a million output tokens. A model's exact name wins; otherwise the first glob
 * in file order that matches. Prices are exact decimals, so sums never drift.
 */
public final class Pricing {
  /** No table: every cost is absent. */
  public static final Pricing NONE = new Pricing(List.of());

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  /** The price of one model or glob, per million tokens. */
  public record Price(String glob, BigDecimal input, BigDecimal output) {
    /** What {@code tokens} cost at this price. */
    public BigDecimal cost(long inputTokens, long outputTokens) {
      return input
          .multiply(BigDecimal.valueOf(inputTokens))
          .add(output.multiply(BigDecimal.valueOf(outputTokens)))
          .divide(MILLION);
    }
  }

  /** A price table that cannot be used; the message names the file's problem. */
  public static final class InvalidPricingException extends Exception {
    public InvalidPricingException(String message) {
      super(message);
    }
  }

  private final List<Price> prices;
  private final List<Pattern> patterns;

  private Pricing(List<Price> prices) {
    this.prices = List.copyOf(prices);
    this.patterns = prices.stream().map(p -> glob(p.glob())).toList();
  }

  public static Pricing load(Path file) throws InvalidPricingException {
    try {
      return of(YamlDocuments.read(file));
    } catch (YamlDocuments.InvalidYamlException e) {
      throw new InvalidPricingException(e.getMessage());
    }
  }

  public static Pricing parse(String yaml) throws InvalidPricingException {
    try {
      return of(YamlDocuments.parse(yaml));
    } catch (YamlDocuments.InvalidYamlException e) {
      throw new InvalidPricingException(e.getMessage());
    }
  }

  private static Pricing of(List<JsonNode> docs) throws InvalidPricingException {
    if (docs.size() != 1 || docs.get(0) == null || !docs.get(0).isObject()) {
      throw new InvalidPricingException(
          "expected one map of model (or glob) to {input: <price per 1M tokens>, output: <price per"
              + " 1M tokens>}");
    }
    List<Price> prices = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = docs.get(0).fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      String model = e.getKey();
      if (model.isBlank()) {
        throw new InvalidPricingException("a model name is empty");
      }
      JsonNode price = e.getValue();
      if (price == null || !price.isObject()) {
        throw new InvalidPricingException(
            model + ": expected {input: <price per 1M tokens>, output: <price per 1M tokens>}");
      }
      for (Iterator<String> it = price.fieldNames(); it.hasNext(); ) {
        String field = it.next();
        if (!field.equals("input") && !field.equals("output")) {
          throw new InvalidPricingException(
              model + "." + field + ": unknown field (input and output are the prices)");
        }
      }
      prices.add(new Price(model, amount(model, "input", price), amount(model, "output", price)));
    }
    return new Pricing(prices);
  }

  private static BigDecimal amount(String model, String field, JsonNode price)
      throws InvalidPricingException {
    JsonNode v = price.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidPricingException(model + "." + field + ": required (price per 1M tokens)");
    }
    BigDecimal amount;
    try {
      // The text, not the double: 0.15 stays 0.15.
      amount = v.isNumber() || v.isTextual() ? new BigDecimal(v.asText().strip()) : null;
    } catch (NumberFormatException e) {
      amount = null;
    }
    if (amount == null) {
      throw new InvalidPricingException(
          model + "." + field + ": \"" + v.asText() + "\" is not a number");
    }
    if (amount.signum() < 0) {
      throw new InvalidPricingException(
          model + "." + field + ": " + amount.toPlainString() + " is negative");
    }
    return amount;
  }

  /** The price of {@code model}, or null when the table has none. */
  public Price of(String model) {
    if (model == null) {
      return null;
    }
    for (Price p : prices) {
      if (p.glob().equals(model)) {
        return p;
      }
    }
    for (int i = 0; i < prices.size(); i++) {
      if (patterns.get(i).matcher(model).matches()) {
        return prices.get(i);
      }
    }
    return null;
  }

  /** What {@code usage} of {@code model} cost, or null when the model has no price. */
  public BigDecimal cost(String model, TokenUsage usage) {
    Price p = of(model);
    return p == null || usage == null ? null : p.cost(usage.inputTokens(), usage.outputTokens());
  }

  public boolean isEmpty() {
    return prices.isEmpty();
  }

  // `*` is any run of characters ('/' included: model names such as meta-llama/Llama-3 have one),
  // `?` one character; everything else is literal.
  private static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          re.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        re.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString());
  }
}
