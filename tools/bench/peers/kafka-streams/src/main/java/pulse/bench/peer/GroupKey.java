package pulse.bench.peer;

/**
 * The key of one group of a window: the partition of events.raw (results are per source
 * partition, like Pulse's `partition` tag), then the grouping and its dimensions.
 */
public record GroupKey(int partition, String grouping, String category, String region, String productId) {
  private static final char SEP = '\u0001';

  public String encode() {
    return partition + String.valueOf(SEP) + grouping + SEP + nullToEmpty(category) + SEP + nullToEmpty(region) + SEP
        + nullToEmpty(productId);
  }

  public static GroupKey decode(String encoded) {
    String[] parts = encoded.split(String.valueOf(SEP), -1);
    return new GroupKey(
        Integer.parseInt(parts[0]), parts[1], emptyToNull(parts[2]), emptyToNull(parts[3]), emptyToNull(parts[4]));
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String emptyToNull(String value) {
    return value.isEmpty() ? null : value;
  }
}
