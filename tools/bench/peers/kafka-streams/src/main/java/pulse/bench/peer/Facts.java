package pulse.bench.peer;

import java.util.List;

/**
 * What aggregation needs of one enriched event, computed once: Pulse's `toEventFacts`
 * (services/aggregation/src/facts/event-facts.ts) in Java.
 */
public record Facts(
    Kind kind,
    String id,
    long time,
    String region,
    /* orders */ String currency,
    String customerId,
    int units,
    long revenueMinor,
    List<Share> categories,
    List<Share> products,
    /* views and cart adds: their product's category */ String category) {

  public enum Kind {
    ORDER,
    VIEW,
    CART,
    /** Inventory changes feed no sales metric. */
    OTHER
  }

  /** What an order's lines add to one category or one product (product id null for a category). */
  public record Share(String category, String productId, int units, long revenueMinor) {}
}
