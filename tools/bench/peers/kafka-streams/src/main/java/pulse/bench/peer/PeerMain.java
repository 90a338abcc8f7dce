package pulse.bench.peer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer process: one JVM running the topology and the InfluxDB writer, with `/metrics` and
 * `/health/ready` for the bench (the same endpoints its monitor reads from Pulse's services).
 * Any failure of the topology or the writer ends the process with exit code 1, which the bench
 * reports as a crash.
 */
public final class PeerMain {
  private static final Logger LOG = LoggerFactory.getLogger(PeerMain.class);

  private PeerMain() {}

  public static void main(String[] args) throws Exception {
    PeerConfig config = PeerConfig.fromEnv(System.getenv());
    Regions regions = Regions.load(config.regionsFile());
    PeerMetrics metrics = new PeerMetrics();
    ensureWindowsTopic(config);

    KafkaStreams streams = new KafkaStreams(PeerTopology.build(config, regions, metrics), streamsProperties(config));
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(
        error -> {
          LOG.error("stream thread failed; stopping the peer", error);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(
        (next, previous) -> {
          LOG.info("Kafka Streams {} -> {}", previous, next);
          if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
        });
    InfluxWriter writer = new InfluxWriter(config, metrics);
    Thread writerThread = new Thread(writer, "influx-writer");

    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", config.httpPort()), 16);
    http.createContext("/health/live", exchange -> respond(exchange, 200, "ok\n"));
    http.createContext(
        "/health/ready",
        exchange -> {
          boolean ready = streams.state() == KafkaStreams.State.RUNNING && writerThread.isAlive();
          respond(exchange, ready ? 200 : 503, streams.state() + "\n");
        });
    http.createContext("/metrics", exchange -> respond(exchange, 200, metrics.render()));
    // The source stage's backlog for the bench: events.raw's lag. Under exactly-once, commit
    // markers take offsets in events.enriched, so "raw appended − enriched appended" undercounts it.
    http.createContext(
        "/metrics/source",
        exchange ->
            respond(
                exchange,
                200,
                "# HELP pulse_kafka_consumer_lag events.raw records not read yet\n# TYPE pulse_kafka_consumer_lag gauge\n"
                    + "pulse_kafka_consumer_lag " + sourceLag(streams, config.rawTopic()) + "\n"));
    http.start();

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping");
                  // Leave the group: a Streams member otherwise stays until its session times
                  // out, and the bench cannot delete a group that still has members.
                  streams.close(
                      CloseOptions.timeout(Duration.ofSeconds(30))
                          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
                  writer.stop();
                  try {
                    writerThread.join(10_000);
                  } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                  }
                  http.stop(0);
                },
                "shutdown"));

    writerThread.start();
    streams.start();
    LOG.info(
        "peer started: {} ({}), window {} ms, grace {} ms, dedupe horizon {} ms, flush every {} ms ({} ms while open)",
        config.applicationId(),
        config.guarantee(),
        config.windowMs(),
        config.latenessMs(),
        config.dedupeHorizonMs(),
        config.flushIntervalMs(),
        config.openWindowFlushIntervalMs());
    // Either the topology or the writer failing ends the process; a clean stop (SIGTERM) runs the hook.
    while (!stopped.await(500, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      if (!writerThread.isAlive() && writer.failure() != null) {
        LOG.error("the InfluxDB writer failed: exiting", writer.failure());
        Runtime.getRuntime().halt(1);
      }
    }
    if (streams.state() == KafkaStreams.State.ERROR) {
      LOG.error("Kafka Streams is in ERROR: exiting");
      Runtime.getRuntime().halt(1);
    }
  }

  static Properties streamsProperties(PeerConfig config) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.brokers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.guarantee());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    // commit.interval.ms stays at each guarantee's default (100 ms under exactly_once_v2, 30 s
    // under at_least_once): window results leave on the peer's own schedule, not on commits, so
    // the interval only sets how much is replayed after a crash and, under exactly-once, when the
    // results become readable (read_committed).
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), System.getenv().getOrDefault("PEER_COMPRESSION", "none"));
    return props;
  }

  /** The topic between the topology and the InfluxDB writer, as wide as events.raw. */
  static void ensureWindowsTopic(PeerConfig config) throws InterruptedException, ExecutionException {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.brokers()))) {
      int partitions =
          admin.describeTopics(List.of(config.rawTopic())).allTopicNames().get().get(config.rawTopic()).partitions().size();
      try {
        admin.createTopics(List.of(new NewTopic(config.windowsTopic(), partitions, (short) -1))).all().get();
      } catch (ExecutionException error) {
        if (!(error.getCause() instanceof TopicExistsException)) throw error;
      }
    }
  }

  /** The main consumers' lag on `topic`, summed over its partitions (per-partition `records-lag`). */
  static long sourceLag(KafkaStreams streams, String topic) {
    String tagged = topic.replace('.', '_');
    double sum = 0;
    for (Map.Entry<MetricName, ? extends Metric> entry : streams.metrics().entrySet()) {
      MetricName name = entry.getKey();
      if (!name.name().equals("records-lag") || !name.group().equals("consumer-fetch-manager-metrics")) continue;
      String metricTopic = name.tags().get("topic");
      if (!topic.equals(metricTopic) && !tagged.equals(metricTopic)) continue;
      Object value = entry.getValue().metricValue();
      if (value instanceof Number number && Double.isFinite(number.doubleValue())) sum += number.doubleValue();
    }
    return (long) sum;
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
