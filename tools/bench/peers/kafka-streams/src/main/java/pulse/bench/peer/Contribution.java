package pulse.bench.peer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** What one event adds to one group of its window (the record between the two sub-topologies). */
public record Contribution(byte kind, int units, long revenueMinor, String currency, boolean newCustomer) {
  public static final byte ORDER = 0;
  public static final byte VIEW = 1;
  public static final byte CART = 2;
  /** A stream-time heartbeat: adds nothing, only moves its partition's stream time. */
  public static final byte TICK = 3;

  public static Serde<Contribution> serde() {
    Serializer<Contribution> serializer =
        (topic, value) -> {
          if (value == null) return null;
          byte[] currency = value.currency == null ? new byte[0] : value.currency.getBytes(StandardCharsets.UTF_8);
          return ByteBuffer.allocate(1 + 4 + 8 + 1 + 1 + currency.length)
              .put(value.kind)
              .putInt(value.units)
              .putLong(value.revenueMinor)
              .put((byte) (value.newCustomer ? 1 : 0))
              .put((byte) currency.length)
              .put(currency)
              .array();
        };
    Deserializer<Contribution> deserializer =
        (topic, bytes) -> {
          if (bytes == null) return null;
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          byte kind = buffer.get();
          int units = buffer.getInt();
          long minor = buffer.getLong();
          boolean newCustomer = buffer.get() == 1;
          byte[] currency = new byte[buffer.get()];
          buffer.get(currency);
          return new Contribution(
              kind, units, minor, currency.length == 0 ? null : new String(currency, StandardCharsets.UTF_8), newCustomer);
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
