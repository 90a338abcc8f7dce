package pulse.bench.peer;

import java.util.concurrent.atomic.LongAdder;

/**
 * The peer's counters, exported in Prometheus' text format under the names the bench's monitor
 * reads from Pulse's services (`pulse_kafka_messages_processed_total`) plus the peer's own.
 */
public final class PeerMetrics {
  /** Events the window stage handled: counted, or dropped as duplicates, late or non-sales events. */
  public final LongAdder processed = new LongAdder();
  public final LongAdder invalid = new LongAdder();
  public final LongAdder duplicates = new LongAdder();
  public final LongAdder late = new LongAdder();
  public final LongAdder openGroups = new LongAdder();
  public final LongAdder finalGroups = new LongAdder();
  public final LongAdder influxLines = new LongAdder();
  public final LongAdder influxRequests = new LongAdder();
  public final LongAdder influxFailures = new LongAdder();

  public String render() {
    StringBuilder out = new StringBuilder(1024);
    counter(out, "pulse_kafka_messages_processed_total", "events handled by the window stage (counted, or dropped as duplicates, late or non-sales events)", processed.sum());
    counter(out, "pulse_peer_invalid_events_total", "events that failed validation (dead-lettered)", invalid.sum());
    counter(out, "pulse_peer_duplicate_events_total", "events dropped as duplicates within the dedupe horizon", duplicates.sum());
    counter(out, "pulse_peer_late_events_dropped_total", "events whose window was already final (past the grace)", late.sum());
    counter(out, "pulse_peer_open_groups_total", "window groups written while their window was open", openGroups.sum());
    counter(out, "pulse_peer_final_groups_total", "window groups written final", finalGroups.sum());
    counter(out, "pulse_peer_influx_lines_total", "line-protocol lines InfluxDB acknowledged", influxLines.sum());
    counter(out, "pulse_peer_influx_requests_total", "write requests InfluxDB acknowledged", influxRequests.sum());
    counter(out, "pulse_peer_influx_failures_total", "write requests that failed (then retried)", influxFailures.sum());
    return out.toString();
  }

  private static void counter(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value).append('\n');
  }
}
