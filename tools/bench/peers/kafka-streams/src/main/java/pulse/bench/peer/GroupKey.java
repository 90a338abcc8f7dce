package pulse.bench.peer;

/**
 * The key of one group of the window sub-topology: the source partition of events.raw first
 * (results are per source partition, like Pulse's `partition` tag, and the repartition topic keeps
 * each source partition on its own partition), then the grouping and its dimensions.
 */
public record GroupKey(int partition, String grouping, String category, String region, String productId) {
  private static final char SEP = '\u0001';
  public static final String TICK = "~tick";

  public String encode() {
    return partition + String.valueOf(SEP) + grouping + SEP + nullToEmpty(category) + SEP + nullToEmpty(region) + SEP
        + nullToEmpty(productId);
  }

  public static String tick(int partition) {
    return partition + String.valueOf(SEP) + TICK + SEP + SEP + SEP;
  }

  public static int partitionOf(String encoded) {
    return Integer.parseInt(encoded, 0, encoded.indexOf(SEP), 10);
  }

  public static GroupKey decode(String encoded) {
    String[] parts = encoded.split(String.valueOf(SEP), -1);
    return new GroupKey(
        Integer.parseInt(parts[0]), parts[1], emptyToNull(parts[2]), emptyToNull(parts[3]), emptyToNull(parts[4]));
  }

  public boolean isTick() {
    return grouping.equals(TICK);
  }

  /** The key without the partition: what the customers-seen store of one task is keyed by. */
  public String withinPartition() {
    String encoded = encode();
    return encoded.substring(encoded.indexOf(SEP) + 1);
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String emptyToNull(String value) {
    return value.isEmpty() ? null : value;
  }
}
