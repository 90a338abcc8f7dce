package pulse.bench.peer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the window results to InfluxDB: reads the windows topic (read_committed, so only what
 * the topology committed), posts each poll's lines as gzipped line-protocol requests of at most
 * {@link #MAX_LINES} lines, and commits the offsets only once InfluxDB acknowledged them. Points
 * are upserts (measurement + tags + window start), so a re-read after a crash rewrites the same
 * values: at-least-once delivery into an idempotent store, exactly-once in effect — the standard
 * way out of a Kafka Streams topology into an external store (what a sink connector does).
 * A write InfluxDB refuses for its data (4xx) stops the peer: a wrong peer must fail loudly.
 */
public final class InfluxWriter implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(InfluxWriter.class);
  static final int MAX_LINES = 5_000;
  private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(2);

  private final PeerConfig config;
  private final PeerMetrics metrics;
  private final KafkaConsumer<String, String> consumer;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI writeUri;
  private volatile boolean running = true;
  private volatile Throwable failure;

  public InfluxWriter(PeerConfig config, PeerMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.brokers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.applicationId() + "-influx");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-influx");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    this.writeUri =
        URI.create(
            config.influxUrl().replaceAll("/+$", "")
                + "/write?db=" + URLEncoder.encode(config.influxDatabase(), StandardCharsets.UTF_8)
                + "&precision=ms");
  }

  public Throwable failure() {
    return failure;
  }

  public void stop() {
    running = false;
    consumer.wakeup();
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(config.windowsTopic()));
      while (running) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        StringBuilder batch = new StringBuilder(64 * 1024);
        int lines = 0;
        for (ConsumerRecord<String, String> record : records) {
          if (record.value() == null) continue;
          batch.append(record.value());
          lines += count(record.value());
          if (lines >= MAX_LINES) {
            write(batch, lines);
            batch.setLength(0);
            lines = 0;
          }
        }
        if (lines > 0) write(batch, lines);
        consumer.commitSync();
      }
    } catch (WakeupException stopping) {
      if (running) failure = stopping;
    } catch (Throwable error) {
      failure = error;
      LOG.error("InfluxDB writer stopped", error);
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private static int count(String lines) {
    int count = 0;
    for (int index = 0; index < lines.length(); index++) if (lines.charAt(index) == '\n') count++;
    return count;
  }

  /** Posts one request, retrying what may pass later (I/O, 5xx, 429) for up to two minutes. */
  private void write(CharSequence lines, int count) throws IOException, InterruptedException {
    byte[] body = gzip(lines.toString().getBytes(StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
    long backoffMs = 100;
    for (;;) {
      HttpRequest request =
          HttpRequest.newBuilder(writeUri)
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "text/plain; charset=utf-8")
              .header("Content-Encoding", "gzip")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      String problem;
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status / 100 == 2) {
          metrics.influxRequests.increment();
          metrics.influxLines.add(count);
          return;
        }
        if (status / 100 == 4 && status != 429 && status != 404) {
          throw new IllegalStateException("InfluxDB refused a write (" + status + "): " + response.body());
        }
        problem = "HTTP " + status + ": " + response.body();
      } catch (IOException io) {
        problem = io.toString();
      }
      metrics.influxFailures.increment();
      if (System.nanoTime() > deadline) throw new IOException("InfluxDB write kept failing: " + problem);
      LOG.warn("InfluxDB write failed ({}); retrying in {} ms", problem, backoffMs);
      Thread.sleep(backoffMs);
      backoffMs = Math.min(5_000, backoffMs * 2);
    }
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
    try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
      zip.write(bytes);
    }
    return out.toByteArray();
  }
}
