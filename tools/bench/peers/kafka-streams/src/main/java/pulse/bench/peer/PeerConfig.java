package pulse.bench.peer;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the peer is told by the bench (environment variables, like Pulse's services): the cell's
 * topics, database and window settings, all derived from Pulse's own configuration by the bench,
 * so nothing here restates a Pulse default.
 */
public record PeerConfig(
    String brokers,
    String applicationId,
    String rawTopic,
    String enrichedTopic,
    String productsTopic,
    String customersTopic,
    String deadLetterTopic,
    String windowsTopic,
    String influxUrl,
    String influxDatabase,
    long windowMs,
    String windowLabel,
    long latenessMs,
    long dedupeHorizonMs,
    long flushIntervalMs,
    long openWindowFlushIntervalMs,
    String guarantee,
    int streamThreads,
    int httpPort,
    Path regionsFile,
    Path stateDir) {

  static PeerConfig fromEnv(Map<String, String> env) {
    return new PeerConfig(
        required(env, "PEER_KAFKA_BROKERS"),
        required(env, "PEER_APPLICATION_ID"),
        required(env, "PEER_TOPIC_RAW"),
        required(env, "PEER_TOPIC_ENRICHED"),
        required(env, "PEER_TOPIC_PRODUCTS"),
        required(env, "PEER_TOPIC_CUSTOMERS"),
        required(env, "PEER_TOPIC_DEAD_LETTER"),
        required(env, "PEER_TOPIC_WINDOWS"),
        required(env, "PEER_INFLUX_URL"),
        required(env, "PEER_INFLUX_DATABASE"),
        positiveLong(env, "PEER_WINDOW_MS"),
        required(env, "PEER_WINDOW_LABEL"),
        positiveLong(env, "PEER_ALLOWED_LATENESS_MS"),
        positiveLong(env, "PEER_DEDUPE_HORIZON_MS"),
        positiveLong(env, "PEER_FLUSH_INTERVAL_MS"),
        positiveLong(env, "PEER_OPEN_WINDOW_FLUSH_INTERVAL_MS"),
        guarantee(required(env, "PEER_PROCESSING_GUARANTEE")),
        (int) positiveLong(env, "PEER_STREAM_THREADS"),
        (int) positiveLong(env, "PEER_HTTP_PORT"),
        Path.of(required(env, "PEER_REGIONS_FILE")),
        Path.of(required(env, "PEER_STATE_DIR")));
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) throw new IllegalArgumentException(name + " must be set");
    return value.trim();
  }

  private static long positiveLong(Map<String, String> env, String name) {
    String raw = required(env, name);
    try {
      long value = Long.parseLong(raw);
      if (value > 0) return value;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a whole number greater than 0, not " + raw);
  }

  private static String guarantee(String raw) {
    if (raw.equals("exactly_once_v2") || raw.equals("at_least_once")) return raw;
    throw new IllegalArgumentException(
        "PEER_PROCESSING_GUARANTEE must be exactly_once_v2 or at_least_once, not " + raw);
  }
}
