package pulse.bench.peer;

import java.util.Map;

/**
 * One window group as InfluxDB line protocol, in aggregation's schema (docs/metrics-schema.md):
 * `activity` and `revenue` per grouping, `product_sales` per product; tags window, partition (of
 * events.raw), grouping and dimensions; window start as the timestamp in ms; `final` and the
 * partition's watermark (for a final point, the one that closed the window).
 */
public final class InfluxLines {
  private InfluxLines() {}

  public static String render(GroupKey key, long windowStart, WindowTotals totals, String windowLabel, long watermark, boolean isFinal) {
    StringBuilder out = new StringBuilder(256);
    String tail = ",final=" + isFinal + ",watermark=" + watermark + "i " + windowStart + "\n";
    if (key.grouping().equals("product")) {
      for (Map.Entry<String, long[]> money : totals.revenue.entrySet()) {
        out.append("product_sales,window=").append(tag(windowLabel))
            .append(",partition=").append(key.partition())
            .append(",product_id=").append(tag(key.productId()))
            .append(",currency=").append(tag(money.getKey()))
            .append(" category=").append(string(key.category()));
        moneyFields(out, ',', money.getKey(), money.getValue());
        out.append(tail);
      }
      return out.toString();
    }
    if (totals.hasOnTime()) {
      base(out, "activity", key, windowLabel);
      out.append(" orders=").append(totals.orders).append('i')
          .append(",units=").append(totals.units).append('i')
          .append(",customers=").append(totals.customers).append('i')
          .append(",views=").append(totals.views).append('i')
          .append(",cart_adds=").append(totals.cartAdds).append('i')
          .append(tail);
    }
    for (Map.Entry<String, long[]> money : totals.revenue.entrySet()) {
      base(out, "revenue", key, windowLabel);
      out.append(",currency=").append(tag(money.getKey()));
      moneyFields(out, ' ', money.getKey(), money.getValue());
      out.append(tail);
    }
    return out.toString();
  }

  private static void base(StringBuilder out, String measurement, GroupKey key, String windowLabel) {
    out.append(measurement)
        .append(",window=").append(tag(windowLabel))
        .append(",partition=").append(key.partition())
        .append(",grouping=").append(tag(key.grouping()));
    if (key.category() != null) out.append(",category=").append(tag(key.category()));
    if (key.region() != null) out.append(",region=").append(tag(key.region()));
  }

  private static void moneyFields(StringBuilder out, char separator, String currency, long[] money) {
    out.append(separator).append("revenue_minor=").append(money[0]).append('i')
        .append(",revenue=").append(Money.toMajor(money[0], currency))
        .append(",orders=").append(money[1]).append('i')
        .append(",units=").append(money[2]).append('i');
  }

  static String tag(String value) {
    StringBuilder escaped = new StringBuilder(value.length() + 4);
    for (int index = 0; index < value.length(); index++) {
      char c = value.charAt(index);
      if (c == ',' || c == '=' || c == ' ') escaped.append('\\');
      if (c == '\n') {
        escaped.append("\\n");
        continue;
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  static String string(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
