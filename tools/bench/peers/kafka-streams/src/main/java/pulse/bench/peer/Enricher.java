package pulse.bench.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Validation and enrichment of one raw event, as Pulse's enrichment does them: the fields the
 * metrics need are checked (an event failing a check is invalid and goes to the dead-letter
 * topic), then products and customer are joined from the reference tables, the region derived
 * from the event's country else the customer's, and the event written as Pulse's enriched JSON.
 * Missing reference data never drops an event (status `partial`, listed in `missing`).
 */
public final class Enricher {
  public static final String ORDER = "com.pulse.order.placed.v1";
  public static final String VIEW = "com.pulse.product.viewed.v1";
  public static final String CART = "com.pulse.cart.item_added.v1";
  public static final String INVENTORY = "com.pulse.inventory.level_changed.v1";
  public static final String UNKNOWN = "unknown";
  private static final long DAY_MS = 86_400_000L;
  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
  private static final Pattern TRAILING_BACKSLASHES = Pattern.compile("\\\\+$");

  private final Function<String, Reference.Product> products;
  private final Function<String, Reference.Customer> customers;
  private final Regions regions;

  public Enricher(
      Function<String, Reference.Product> products,
      Function<String, Reference.Customer> customers,
      Regions regions) {
    this.products = products;
    this.customers = customers;
    this.regions = regions;
  }

  /** Thrown for an event that breaks the contract; its message names the field. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  public EventRecord enrich(byte[] raw, long nowMs) {
    try {
      return enrichOrThrow(raw, nowMs);
    } catch (Invalid invalid) {
      return EventRecord.invalid(raw, invalid.getMessage());
    }
  }

  private EventRecord enrichOrThrow(byte[] raw, long nowMs) throws Invalid {
    if (raw == null) throw new Invalid("no value");
    JsonNode parsed;
    try {
      parsed = JSON.readTree(raw);
    } catch (IOException notJson) {
      throw new Invalid("not JSON");
    }
    if (!(parsed instanceof ObjectNode event)) throw new Invalid("not a JSON object");
    String id = identifier(event, "id", true);
    long time = timestamp(event, "time", true);
    String type = string(event, "type", true);
    String customerId = identifier(event, "customerid", false);
    String country = string(event, "country", false);
    if (country != null) {
      country = country.toUpperCase(Locale.ROOT);
      if (!COUNTRY.matcher(country).matches()) throw new Invalid("country: must be an ISO 3166-1 alpha-2 code");
    }
    timestamp(event, "ingestedat", false);
    if (!(event.get("data") instanceof ObjectNode data)) throw new Invalid("data: must be an object");

    List<Reference.Product> found = new ArrayList<>();
    List<String> missing = new ArrayList<>(3);
    String currency = null;
    List<double[]> lines = new ArrayList<>();
    List<String> lineProducts = new ArrayList<>();
    switch (type) {
      case ORDER -> {
        if (customerId == null) throw new Invalid("customerid: required on orders");
        identifier(data, "orderId", true);
        currency = Money.currency(string(data, "currency", true));
        if (currency == null) throw new Invalid("data.currency: must be the ISO 4217 code of a currency in use");
        JsonNode rawLines = data.get("lines");
        if (rawLines == null || !rawLines.isArray() || rawLines.isEmpty() || rawLines.size() > 500)
          throw new Invalid("data.lines: 1 to 500 lines");
        for (JsonNode line : rawLines) {
          if (!(line instanceof ObjectNode object)) throw new Invalid("data.lines: must be objects");
          String productId = identifier(object, "productId", true);
          int quantity = quantity(object, "quantity");
          double unitPrice = money(object, "unitPrice");
          lineProducts.add(productId);
          lines.add(new double[] {quantity, unitPrice});
          found.add(products.apply(productId));
        }
      }
      case VIEW, CART, INVENTORY -> {
        String productId = identifier(data, "productId", true);
        if (type.equals(CART)) quantity(data, "quantity");
        if (type.equals(INVENTORY)) {
          JsonNode stock = data.get("stock");
          if (stock == null || !stock.canConvertToExactIntegral() || stock.asLong() < 0)
            throw new Invalid("data.stock: must be a whole number ≥ 0");
        }
        lineProducts.add(productId);
        found.add(products.apply(productId));
      }
      default -> throw new Invalid("type: unknown event type");
    }
    if (found.contains(null)) missing.add("product");

    Reference.Customer customer = customerId == null ? null : customers.apply(customerId);
    if (customerId != null && customer == null) missing.add("customer");

    // Geo: the event's own country, else the customer's (the bench's events carry no client IP;
    // Pulse's IP lookup is not reproduced), else none.
    String geoCountry = null;
    String region = UNKNOWN;
    String source = "none";
    if (country != null && !regions.of(country).equals(UNKNOWN)) {
      geoCountry = country;
      region = regions.of(country);
      source = "event";
    } else if (customer != null && !regions.of(customer.country()).equals(UNKNOWN)) {
      geoCountry = customer.country();
      region = regions.of(geoCountry);
      source = "customer";
    } else {
      missing.add("geo");
    }

    String status = missing.isEmpty() ? "complete" : "partial";
    ObjectNode enrichment = JSON.createObjectNode();
    enrichment.put("status", status);
    ArrayNode missingArray = enrichment.putArray("missing");
    missing.forEach(missingArray::add);
    ArrayNode productArray = enrichment.putArray("products");
    for (Reference.Product product : found) {
      if (product == null) productArray.addNull();
      else productArray.add(product.toJson());
    }
    if (customer == null) {
      enrichment.putNull("customer");
    } else {
      ObjectNode info = enrichment.putObject("customer");
      info.put("segment", customer.segment());
      info.put("signupTime", customer.signupTime());
      info.put("accountAgeDays", Math.max(0, Math.floorDiv(time - customer.signupMs(), DAY_MS)));
    }
    ObjectNode geo = enrichment.putObject("geo");
    if (geoCountry == null) geo.putNull("country");
    else geo.put("country", geoCountry);
    geo.put("region", region);
    geo.put("source", source);
    enrichment.put("enrichedAt", ISO_MILLIS.format(Instant.ofEpochMilli(nowMs)));
    event.put("enrichmentstatus", status);
    event.set("enrichment", enrichment);
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(event);
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
    return EventRecord.enriched(json, facts(type, id, time, region, currency, customerId, lines, lineProducts, found));
  }

  /** Pulse's toEventFacts: per-category and per-product shares of an order, in line order. */
  static Facts facts(
      String type,
      String id,
      long time,
      String region,
      String currency,
      String customerId,
      List<double[]> lines,
      List<String> lineProducts,
      List<Reference.Product> found) {
    switch (type) {
      case ORDER -> {
        Map<String, long[]> byCategory = new LinkedHashMap<>();
        Map<String, Object[]> byProduct = new LinkedHashMap<>();
        int units = 0;
        long revenue = 0;
        for (int index = 0; index < lines.size(); index++) {
          Reference.Product product = found.get(index);
          String category = tagSafe(product == null ? UNKNOWN : product.category());
          String productId = product == null ? UNKNOWN : tagSafe(lineProducts.get(index));
          int quantity = (int) lines.get(index)[0];
          long lineMinor = Money.toMinor(lines.get(index)[1], currency) * quantity;
          units += quantity;
          revenue += lineMinor;
          long[] share = byCategory.computeIfAbsent(category, key -> new long[2]);
          share[0] += quantity;
          share[1] += lineMinor;
          Object[] forProduct = byProduct.computeIfAbsent(productId, key -> new Object[] {category, new long[2]});
          long[] productShare = (long[]) forProduct[1];
          productShare[0] += quantity;
          productShare[1] += lineMinor;
        }
        List<Facts.Share> categories = new ArrayList<>(byCategory.size());
        byCategory.forEach(
            (category, share) -> categories.add(new Facts.Share(category, null, (int) share[0], share[1])));
        List<Facts.Share> productShares = new ArrayList<>(byProduct.size());
        byProduct.forEach(
            (productId, share) -> {
              long[] sums = (long[]) share[1];
              productShares.add(new Facts.Share((String) share[0], productId, (int) sums[0], sums[1]));
            });
        return new Facts(
            Facts.Kind.ORDER, id, time, region, currency, customerId, units, revenue, categories, productShares, null);
      }
      case VIEW, CART -> {
        Reference.Product product = found.get(0);
        String category = tagSafe(product == null ? UNKNOWN : product.category());
        return new Facts(
            type.equals(VIEW) ? Facts.Kind.VIEW : Facts.Kind.CART,
            id, time, region, null, customerId, 0, 0, List.of(), List.of(), category);
      }
      default -> {
        return new Facts(Facts.Kind.OTHER, id, time, region, null, customerId, 0, 0, List.of(), List.of(), null);
      }
    }
  }

  /** A dimension value usable as an InfluxDB tag: never empty, never ending in a backslash. */
  static String tagSafe(String value) {
    String trimmed = TRAILING_BACKSLASHES.matcher(value.trim()).replaceAll("");
    return trimmed.isEmpty() ? UNKNOWN : trimmed;
  }

  private static String string(ObjectNode node, String field, boolean required) throws Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) throw new Invalid(field + ": required");
      return null;
    }
    if (!value.isTextual()) throw new Invalid(field + ": must be a string");
    return value.asText().trim();
  }

  private static String identifier(ObjectNode node, String field, boolean required) throws Invalid {
    String value = string(node, field, required);
    if (value == null) return null;
    if (value.isEmpty() || value.length() > 128) throw new Invalid(field + ": 1 to 128 characters");
    return value;
  }

  private static long timestamp(ObjectNode node, String field, boolean required) throws Invalid {
    String value = string(node, field, required);
    if (value == null) return Long.MIN_VALUE;
    try {
      return OffsetDateTime.parse(value).toInstant().toEpochMilli();
    } catch (DateTimeParseException notRfc3339) {
      throw new Invalid(field + ": must be an RFC 3339 timestamp with a time zone");
    }
  }

  private static int quantity(ObjectNode node, String field) throws Invalid {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber() || !value.canConvertToExactIntegral())
      throw new Invalid(field + ": must be a whole number");
    long quantity = value.asLong();
    if (quantity <= 0 || quantity > 1_000_000) throw new Invalid(field + ": must be 1 to 1000000");
    return (int) quantity;
  }

  private static double money(ObjectNode node, String field) throws Invalid {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber()) throw new Invalid(field + ": must be a number");
    double amount = value.asDouble();
    if (!Double.isFinite(amount) || amount < 0 || amount > 1e9) throw new Invalid(field + ": must be 0 to 1e9");
    return amount;
  }
}
