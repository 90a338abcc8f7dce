package pulse.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology on Kafka Streams' test driver: enrichment, dedupe, windows and their writes, lines. */
class PeerTopologyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long WINDOW = 10_000;
  private static final long GRACE = 30_000;
  private static final long FLUSH = 250;
  private static final long OPEN_FLUSH = 1_000;
  /** A window start well after the epoch, aligned to the window size. */
  private static final long T0 = 1_800_000_000_000L;

  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> raw;
  private TestOutputTopic<String, String> windows;
  private TestOutputTopic<String, byte[]> enriched;
  private TestOutputTopic<String, byte[]> deadLetter;
  private PeerMetrics metrics;
  private PeerConfig config;
  private Regions regions;

  @BeforeEach
  void start() throws Exception {
    config =
        new PeerConfig(
            "unused:9092", "peer-test", "t.events.raw", "t.events.enriched", "t.reference.products",
            "t.reference.customers", "t.dead-letter", "t.peer.windows", "http://unused", "db",
            WINDOW, "10s", GRACE, WINDOW + GRACE, FLUSH, OPEN_FLUSH, "at_least_once", 1, 1, Path.of("unused"), Path.of("unused"));
    metrics = new PeerMetrics();
    regions = new Regions(Map.of("DE", "europe", "US", "north-america", "JP", "asia"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "peer-test");
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("peer-test").toString());
    driver = new TopologyTestDriver(PeerTopology.build(config, regions, metrics), props, Instant.ofEpochMilli(T0));
    TestInputTopic<String, byte[]> products =
        driver.createInputTopic(config.productsTopic(), new StringSerializer(), new ByteArraySerializer());
    TestInputTopic<String, byte[]> customers =
        driver.createInputTopic(config.customersTopic(), new StringSerializer(), new ByteArraySerializer());
    products.pipeInput("p-1", bytes("{\"id\":\"p-1\",\"name\":\"Socks\",\"category\":\"fashion\",\"price\":5,\"currency\":\"USD\",\"tags\":[\"wool\"],\"stock\":3}"));
    products.pipeInput("p-2", bytes("{\"id\":\"p-2\",\"name\":\"Lamp\",\"category\":\"home\",\"price\":20,\"currency\":\"USD\",\"tags\":[],\"stock\":1}"));
    customers.pipeInput("c-1", bytes("{\"id\":\"c-1\",\"segment\":\"vip\",\"signupTime\":\"2026-01-01T00:00:00Z\",\"country\":\"DE\"}"));
    customers.pipeInput("c-2", bytes("{\"id\":\"c-2\",\"segment\":\"regular\",\"signupTime\":\"2026-01-01T00:00:00Z\",\"country\":\"JP\"}"));
    raw = driver.createInputTopic(config.rawTopic(), new StringSerializer(), new ByteArraySerializer());
    windows = driver.createOutputTopic(config.windowsTopic(), new StringDeserializer(), new StringDeserializer());
    enriched = driver.createOutputTopic(config.enrichedTopic(), new StringDeserializer(), new ByteArrayDeserializer());
    deadLetter = driver.createOutputTopic(config.deadLetterTopic(), new StringDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void kafkaStreamsIsTheBrokersVersion() throws Exception {
    // The peer must run the client of the broker the local stack starts (deploy/local/kafka.sh).
    Path kafkaScript = Path.of(System.getProperty("basedir", "."), "../../../../deploy/local/kafka.sh");
    Matcher pinned = Pattern.compile("(?m)^KAFKA_VERSION=(\\S+)$").matcher(Files.readString(kafkaScript));
    assertTrue(pinned.find(), "KAFKA_VERSION in " + kafkaScript);
    Properties built = new Properties();
    try (var in = StreamsConfig.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      built.load(in);
    }
    assertEquals(pinned.group(1), built.getProperty("version"));
  }

  @Test
  void countsFinalWindowsOnceWithDuplicatesDroppedAndInvalidEventsDeadLettered() {
    send("c-1", order("o-1", "c-1", T0 + 1_000, null, "[{\"productId\":\"p-1\",\"quantity\":2,\"unitPrice\":1.005},{\"productId\":\"p-2\",\"quantity\":1,\"unitPrice\":20}]"));
    send("c-1", order("o-1", "c-1", T0 + 1_000, null, "[{\"productId\":\"p-1\",\"quantity\":2,\"unitPrice\":1.005},{\"productId\":\"p-2\",\"quantity\":1,\"unitPrice\":20}]"));
    send("c-1", order("o-2", "c-1", T0 + 2_000, "US", "[{\"productId\":\"p-1\",\"quantity\":1,\"unitPrice\":5}]"));
    send("c-2", order("o-3", "c-2", T0 + 3_000, null, "[{\"productId\":\"p-9\",\"quantity\":4,\"unitPrice\":1}]"));
    send("c-2", browse("v-1", "com.pulse.product.viewed.v1", "c-2", T0 + 4_000, "p-2"));
    send("c-2", browse("a-1", "com.pulse.cart.item_added.v1", "c-2", T0 + 5_000, "p-1"));
    send("c-2", bytes("{\"id\":\"bad\",\"type\":\"com.pulse.order.placed.v1\",\"time\":\"not a time\"}"));

    // Nothing is final before the partition's newest event time passes window end + grace.
    send("c-2", browse("v-2", "com.pulse.product.viewed.v1", "c-2", T0 + WINDOW + GRACE - 1, "p-2"));
    assertTrue(windows.isEmpty(), "nothing is written before the clock's flush or the window's close");

    heartbeat(T0 + WINDOW + GRACE);
    Map<String, String> lines = linesOf(windows.readValuesToList());

    assertEquals(
        "orders=3i,units=8i,customers=2i,views=1i,cart_adds=1i,final=true,watermark=" + (T0 + WINDOW) + "i " + T0,
        lines.get("activity,window=10s,partition=0,grouping=total"));
    assertEquals(
        "orders=2i,units=3i,customers=1i,views=0i,cart_adds=1i,final=true,watermark=" + (T0 + WINDOW) + "i " + T0,
        lines.get("activity,window=10s,partition=0,grouping=category,category=fashion"));
    assertEquals(
        "orders=1i,units=4i,customers=1i,views=0i,cart_adds=0i,final=true,watermark=" + (T0 + WINDOW) + "i " + T0,
        lines.get("activity,window=10s,partition=0,grouping=category_region,category=unknown,region=asia"));
    // 2 × round(1.005 × 100) + 2000 + 500 + 400 minor units, as Pulse rounds them.
    assertEquals(
        "revenue_minor=3102i,revenue=31.02,orders=3i,units=8i,final=true,watermark=" + (T0 + WINDOW) + "i " + T0,
        lines.get("revenue,window=10s,partition=0,grouping=total,currency=USD"));
    assertEquals(
        "category=\"unknown\",revenue_minor=400i,revenue=4,orders=1i,units=4i,final=true,watermark=" + (T0 + WINDOW) + "i " + T0,
        lines.get("product_sales,window=10s,partition=0,product_id=unknown,currency=USD"));
    assertEquals(
        "orders=1i,units=1i,customers=1i,views=0i,cart_adds=0i,final=true,watermark=" + (T0 + WINDOW) + "i " + T0,
        lines.get("activity,window=10s,partition=0,grouping=region,region=north-america"));
    assertEquals(1, metrics.duplicates.sum());
    assertEquals(1, metrics.invalid.sum());

    List<TestRecord<String, byte[]>> dead = deadLetter.readRecordsToList();
    assertEquals(1, dead.size());
    assertEquals("ContractViolation", new String(dead.get(0).headers().lastHeader("pulse-dlq-error-class").value(), StandardCharsets.UTF_8));
  }

  @Test
  void aggregatesInTheTaskThatReadsThePartitionWithoutARepartitionTopic() {
    TopologyDescription description = PeerTopology.build(config, regions, metrics).describe();
    assertEquals(1, description.subtopologies().size(), description.toString());
    assertFalse(description.toString().contains("-repartition"), description.toString());
  }

  @Test
  void writesOpenWindowsOnTheClockThenOnceFinalAndDropsLateEvents() {
    String total = "activity,window=10s,partition=0,grouping=total";
    send("c-1", order("o-1", "c-1", T0 + 1_000, null, "[{\"productId\":\"p-1\",\"quantity\":2,\"unitPrice\":5}]"));
    driver.advanceWallClockTime(Duration.ofMillis(OPEN_FLUSH));
    assertEquals(
        "orders=1i,units=2i,customers=1i,views=0i,cart_adds=0i,final=false,watermark=" + (T0 + 1_000 - GRACE) + "i " + T0,
        linesOf(windows.readValuesToList()).get(total));

    send("c-1", order("o-2", "c-1", T0 + 2_000, null, "[{\"productId\":\"p-2\",\"quantity\":1,\"unitPrice\":20}]"));
    // The window's end is still ahead of the clock: its change waits for the open-window interval.
    driver.advanceWallClockTime(Duration.ofMillis(FLUSH));
    assertTrue(windows.isEmpty(), "an open window is written once per open-window interval");
    driver.advanceWallClockTime(Duration.ofMillis(OPEN_FLUSH));
    assertEquals(
        "orders=2i,units=3i,customers=1i,views=0i,cart_adds=0i,final=false,watermark=" + (T0 + 2_000 - GRACE) + "i " + T0,
        linesOf(windows.readValuesToList()).get(total));
    driver.advanceWallClockTime(Duration.ofMillis(OPEN_FLUSH));
    assertTrue(windows.isEmpty(), "an unchanged window is not rewritten");

    // Past its end on the clock, a window's changes go out every flush interval.
    driver.advanceWallClockTime(Duration.ofMillis(WINDOW));
    windows.readValuesToList();
    send("c-2", browse("v-1", "com.pulse.product.viewed.v1", "c-2", T0 + 3_000, "p-2"));
    driver.advanceWallClockTime(Duration.ofMillis(FLUSH));
    assertEquals(
        "orders=2i,units=3i,customers=1i,views=1i,cart_adds=0i,final=false,watermark=" + (T0 + 3_000 - GRACE) + "i " + T0,
        linesOf(windows.readValuesToList()).get(total));

    heartbeat(T0 + WINDOW + GRACE);
    assertEquals(
        "orders=2i,units=3i,customers=1i,views=1i,cart_adds=0i,final=true,watermark=" + (T0 + WINDOW) + "i " + T0,
        linesOf(windows.readValuesToList()).get(total));

    // The window is final: a late event changes nothing and is counted as dropped.
    send("c-1", order("o-3", "c-1", T0 + 4_000, null, "[{\"productId\":\"p-1\",\"quantity\":1,\"unitPrice\":5}]"));
    driver.advanceWallClockTime(Duration.ofMillis(OPEN_FLUSH));
    assertTrue(windows.isEmpty(), "nothing is written for a final window");
    assertEquals(1, metrics.late.sum());
    assertEquals(4, metrics.processed.sum());
  }

  @Test
  void recognisesADuplicateWithinTheHorizonOnly() {
    long horizon = WINDOW + GRACE;
    send("c-1", browse("v-1", "com.pulse.product.viewed.v1", "c-1", T0 + 1_000, "p-1"));
    send("c-1", browse("v-1", "com.pulse.product.viewed.v1", "c-1", T0 + 1_000 + horizon, "p-1"));
    assertEquals(1, metrics.duplicates.sum(), "a copy `horizon` later is a duplicate");
    send("c-1", browse("v-1", "com.pulse.product.viewed.v1", "c-1", T0 + 1_000 + 3 * horizon + 2 * WINDOW, "p-1"));
    assertEquals(1, metrics.duplicates.sum(), "a copy more than horizon + window after the last is new");
    heartbeat(T0 + 1_000 + 3 * horizon + 2 * WINDOW + WINDOW + GRACE);
    long views = 0;
    for (String line : windows.readValuesToList().stream().flatMap(value -> List.of(value.split("\n")).stream()).toList()) {
      Matcher counted = Pattern.compile("^activity,window=10s,partition=0,grouping=total .*views=(\\d+)i.*final=true").matcher(line);
      if (counted.find()) views += Long.parseLong(counted.group(1));
    }
    assertEquals(2, views);
  }

  @Test
  void writesPulsesEnrichedEvent() throws Exception {
    send("c-2", order("o-3", "c-2", T0 + 3_000, null, "[{\"productId\":\"p-1\",\"quantity\":1,\"unitPrice\":5},{\"productId\":\"p-9\",\"quantity\":1,\"unitPrice\":1}]"));
    JsonNode event = JSON.readTree(enriched.readValue());
    JsonNode enrichment = event.get("enrichment");
    assertEquals("partial", event.get("enrichmentstatus").asText());
    assertEquals("[\"product\"]", enrichment.get("missing").toString());
    assertEquals("{\"name\":\"Socks\",\"category\":\"fashion\",\"tags\":[\"wool\"]}", enrichment.get("products").get(0).toString());
    assertTrue(enrichment.get("products").get(1).isNull());
    assertEquals("{\"country\":\"JP\",\"region\":\"asia\",\"source\":\"customer\"}", enrichment.get("geo").toString());
    assertEquals("regular", enrichment.get("customer").get("segment").asText());
    assertTrue(enrichment.get("enrichedAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
  }

  private void send(String key, byte[] value) {
    raw.pipeInput(new TestRecord<>(key, value, new RecordHeaders(), Instant.ofEpochMilli(T0)));
  }

  private void heartbeat(long time) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(PeerTopology.HEARTBEAT_HEADER, new byte[] {1});
    raw.pipeInput(new TestRecord<>(null, new byte[0], headers, Instant.ofEpochMilli(time)));
  }

  /** Line protocol keyed by measurement and tags, the rest (fields and timestamp) as value. */
  private static Map<String, String> linesOf(List<String> values) {
    Map<String, String> lines = new java.util.HashMap<>();
    TreeSet<String> all = new TreeSet<>();
    for (String value : values) {
      for (String line : value.split("\n")) {
        if (line.isEmpty()) continue;
        int space = line.indexOf(' ');
        all.add(line);
        lines.put(line.substring(0, space), line.substring(space + 1));
      }
    }
    return lines;
  }

  private static String iso(long ms) {
    return Instant.ofEpochMilli(ms).toString();
  }

  private static byte[] order(String id, String customer, long time, String country, String lines) {
    return bytes(
        "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"test\",\"type\":\"com.pulse.order.placed.v1\",\"time\":\""
            + iso(time) + "\",\"customerid\":\"" + customer + "\"" + (country == null ? "" : ",\"country\":\"" + country + "\"")
            + ",\"data\":{\"orderId\":\"" + id + "\",\"currency\":\"USD\",\"lines\":" + lines + "}}");
  }

  private static byte[] browse(String id, String type, String customer, long time, String product) {
    String quantity = type.contains("cart") ? ",\"quantity\":1" : "";
    return bytes(
        "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"test\",\"type\":\"" + type + "\",\"time\":\"" + iso(time)
            + "\",\"customerid\":\"" + customer + "\",\"data\":{\"productId\":\"" + product + "\"" + quantity + "}}");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
