package pulse.bench.peer;

/** What one event adds to one group of its window. */
public record Contribution(byte kind, int units, long revenueMinor, String currency, boolean newCustomer) {
  public static final byte ORDER = 0;
  public static final byte VIEW = 1;
  public static final byte CART = 2;
}
