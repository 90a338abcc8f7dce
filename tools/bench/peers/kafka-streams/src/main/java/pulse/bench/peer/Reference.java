package pulse.bench.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The reference records of the compacted `reference.products` / `reference.customers` topics
 * (JSON, keyed by id; libs/contracts/src/reference/reference.ts), normalised as Pulse's schemas
 * normalise them. A record that is not a valid entry reads as absent, as in enrichment's tables.
 */
public final class Reference {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Reference() {}

  /** The part of a product that enrichment attaches (ProductInfo) . */
  public record Product(String name, String category, List<String> tags) {
    ObjectNode toJson() {
      ObjectNode node = JSON.createObjectNode();
      node.put("name", name);
      node.put("category", category);
      ArrayNode array = node.putArray("tags");
      tags.forEach(array::add);
      return node;
    }
  }

  public record Customer(String segment, String signupTime, long signupMs, String country) {}

  static Product product(byte[] bytes) {
    if (bytes == null) return null;
    try {
      JsonNode node = JSON.readTree(bytes);
      String name = text(node, "name");
      String category = text(node, "category");
      if (name == null || category == null || text(node, "id") == null) return null;
      List<String> tags = new ArrayList<>();
      JsonNode rawTags = node.get("tags");
      if (rawTags != null && rawTags.isArray()) rawTags.forEach(tag -> tags.add(tag.asText().trim()));
      return new Product(name, category.toLowerCase(Locale.ROOT), List.copyOf(tags));
    } catch (IOException invalid) {
      return null;
    }
  }

  static Customer customer(byte[] bytes) {
    if (bytes == null) return null;
    try {
      JsonNode node = JSON.readTree(bytes);
      String segment = text(node, "segment");
      String signup = text(node, "signupTime");
      String country = text(node, "country");
      if (segment == null || signup == null || country == null || text(node, "id") == null) return null;
      long signupMs = OffsetDateTime.parse(signup).toInstant().toEpochMilli();
      return new Customer(segment.toLowerCase(Locale.ROOT), signup, signupMs, country.toUpperCase(Locale.ROOT));
    } catch (IOException | RuntimeException invalid) {
      return null;
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) return null;
    String text = value.asText().trim();
    return text.isEmpty() ? null : text;
  }

  /**
   * Serdes whose bytes are the topic's JSON: a global table restores its store by copying the
   * topic's bytes, so the store format must be the topic format.
   */
  public static Serde<Product> productSerde() {
    Serializer<Product> serializer =
        (topic, product) -> {
          if (product == null) return null;
          ObjectNode node = product.toJson();
          node.put("id", "_");
          return write(node);
        };
    Deserializer<Product> deserializer = (topic, bytes) -> product(bytes);
    return Serdes.serdeFrom(serializer, deserializer);
  }

  public static Serde<Customer> customerSerde() {
    Serializer<Customer> serializer =
        (topic, customer) -> {
          if (customer == null) return null;
          ObjectNode node = JSON.createObjectNode();
          node.put("id", "_");
          node.put("segment", customer.segment());
          node.put("signupTime", customer.signupTime());
          node.put("country", customer.country());
          return write(node);
        };
    Deserializer<Customer> deserializer = (topic, bytes) -> customer(bytes);
    return Serdes.serdeFrom(serializer, deserializer);
  }

  private static byte[] write(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
  }
}
