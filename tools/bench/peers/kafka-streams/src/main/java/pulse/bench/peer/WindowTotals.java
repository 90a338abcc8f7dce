package pulse.bench.peer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Running totals of one group in one window (Pulse's GroupTotals, on-time part). */
public final class WindowTotals {
  public long orders;
  public long units;
  public long views;
  public long cartAdds;
  /** Distinct ordering customers: each contribution says whether its customer is new to the group. */
  public long customers;
  /** Per currency: revenue in minor units, orders, units. */
  public final Map<String, long[]> revenue = new LinkedHashMap<>(2);

  public WindowTotals add(Contribution contribution) {
    switch (contribution.kind()) {
      case Contribution.ORDER -> {
        orders += 1;
        units += contribution.units();
        if (contribution.newCustomer()) customers += 1;
        long[] money = revenue.computeIfAbsent(contribution.currency(), currency -> new long[3]);
        money[0] += contribution.revenueMinor();
        money[1] += 1;
        money[2] += contribution.units();
      }
      case Contribution.VIEW -> views += 1;
      case Contribution.CART -> cartAdds += 1;
      default -> throw new IllegalArgumentException("unknown contribution kind " + contribution.kind());
    }
    return this;
  }

  public boolean hasOnTime() {
    return orders > 0 || views > 0 || cartAdds > 0;
  }

  public static Serde<WindowTotals> serde() {
    Serializer<WindowTotals> serializer =
        (topic, totals) -> {
          if (totals == null) return null;
          int size = 5 * 8 + 1;
          for (String currency : totals.revenue.keySet()) size += 1 + currency.length() + 3 * 8;
          ByteBuffer buffer =
              ByteBuffer.allocate(size)
                  .putLong(totals.orders)
                  .putLong(totals.units)
                  .putLong(totals.views)
                  .putLong(totals.cartAdds)
                  .putLong(totals.customers)
                  .put((byte) totals.revenue.size());
          totals.revenue.forEach(
              (currency, money) -> {
                byte[] code = currency.getBytes(StandardCharsets.US_ASCII);
                buffer.put((byte) code.length).put(code).putLong(money[0]).putLong(money[1]).putLong(money[2]);
              });
          return buffer.array();
        };
    Deserializer<WindowTotals> deserializer =
        (topic, bytes) -> {
          if (bytes == null) return null;
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          WindowTotals totals = new WindowTotals();
          totals.orders = buffer.getLong();
          totals.units = buffer.getLong();
          totals.views = buffer.getLong();
          totals.cartAdds = buffer.getLong();
          totals.customers = buffer.getLong();
          int currencies = buffer.get();
          for (int index = 0; index < currencies; index++) {
            byte[] code = new byte[buffer.get()];
            buffer.get(code);
            totals.revenue.put(
                new String(code, StandardCharsets.US_ASCII),
                new long[] {buffer.getLong(), buffer.getLong(), buffer.getLong()});
          }
          return totals;
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
