package pulse.bench.peer;

import java.util.concurrent.atomic.LongAdder;

/**
 * The peer's counters, exported in Prometheus' text format under the names the bench's monitor
 * reads from Pulse's services (`pulse_kafka_messages_processed_total`, `pulse_kafka_consumer_lag`)
 * plus the peer's own.
 */
public final class PeerMetrics {
  /** Events that reached the window stage, or ended before it (duplicates, inventory changes). */
  public final LongAdder processed = new LongAdder();
  /** Events handed to the repartition topic, and those the window stage has read back. */
  public final LongAdder sentToWindows = new LongAdder();
  public final LongAdder windowed = new LongAdder();
  public final LongAdder invalid = new LongAdder();
  public final LongAdder duplicates = new LongAdder();
  public final LongAdder finalGroups = new LongAdder();
  public final LongAdder influxLines = new LongAdder();
  public final LongAdder influxRequests = new LongAdder();
  public final LongAdder influxFailures = new LongAdder();

  /** Events between the source and the window stage: the part of the backlog the broker cannot see. */
  public long windowLag() {
    return Math.max(0, sentToWindows.sum() - windowed.sum());
  }

  public String render(long lateDropped) {
    StringBuilder out = new StringBuilder(1024);
    counter(out, "pulse_kafka_messages_processed_total", "events handled by the window stage (or dropped before it as duplicates or non-sales events)", processed.sum() + windowed.sum());
    gauge(out, "pulse_kafka_consumer_lag", "events handed to the window stage and not read back yet", windowLag());
    counter(out, "pulse_peer_invalid_events_total", "events that failed validation (dead-lettered)", invalid.sum());
    counter(out, "pulse_peer_duplicate_events_total", "events dropped as duplicates within the dedupe horizon", duplicates.sum());
    counter(out, "pulse_peer_late_records_dropped_total", "window-stage records Kafka Streams dropped as past the grace period", lateDropped);
    counter(out, "pulse_peer_final_groups_total", "final window groups emitted after suppression", finalGroups.sum());
    counter(out, "pulse_peer_influx_lines_total", "line-protocol lines InfluxDB acknowledged", influxLines.sum());
    counter(out, "pulse_peer_influx_requests_total", "write requests InfluxDB acknowledged", influxRequests.sum());
    counter(out, "pulse_peer_influx_failures_total", "write requests that failed (then retried)", influxFailures.sum());
    return out.toString();
  }

  private static void counter(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value).append('\n');
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
  }
}
