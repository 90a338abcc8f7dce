package pulse.bench.peer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Pulse's enrichment and aggregation as one Kafka Streams topology.
 *
 * <pre>
 * events.raw ─▶ validate + enrich (products, customers: global tables; region from country)
 *   ├─ invalid ─▶ dead-letter
 *   ├─ valid ─▶ events.enriched
 *   └─ valid ─▶ dedupe by id (window store, Pulse's horizon) ─▶ tumbling event-time windows per
 *        partition, grace = Pulse's allowed lateness (window store) ─▶ line protocol, open windows
 *        on a wall-clock schedule, final ones when the watermark passes them ─▶ the windows topic
 *        (an InfluxDB writer reads it, see InfluxWriter)
 * </pre>
 *
 * One sub-topology: results are kept per source partition, as Pulse keeps them (its `partition`
 * tag), so the task that reads a partition of events.raw owns every group of it and no record
 * crosses a repartition topic (the DSL's windowedBy would add one after the re-keying, with a
 * produce, a fetch and a changelog write per group an event counts in). Every store is in memory
 * (changelogged, so exactly-once restores them): no RocksDB, all state on the sized heap.
 */
public final class PeerTopology {
  public static final String PRODUCTS_STORE = "products";
  public static final String CUSTOMERS_STORE = "customers";
  public static final String DEDUPE_STORE = "dedupe";
  public static final String CUSTOMERS_SEEN_STORE = "customers-seen";
  public static final String WINDOW_STORE = "window-totals";
  public static final String PROGRESS_STORE = "progress";
  /** A record with this header only moves its partition's watermark (see the bench's settle step). */
  public static final String HEARTBEAT_HEADER = "pulse-bench-heartbeat";
  private static final byte[] SEEN = {1};

  private PeerTopology() {}

  public static Topology build(PeerConfig config, Regions regions, PeerMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.globalTable(
        config.productsTopic(),
        Consumed.with(Serdes.String(), Reference.productSerde()),
        Materialized.<String, Reference.Product>as(Stores.inMemoryKeyValueStore(PRODUCTS_STORE))
            .withKeySerde(Serdes.String())
            .withValueSerde(Reference.productSerde()));
    builder.globalTable(
        config.customersTopic(),
        Consumed.with(Serdes.String(), Reference.customerSerde()),
        Materialized.<String, Reference.Customer>as(Stores.inMemoryKeyValueStore(CUSTOMERS_STORE))
            .withKeySerde(Serdes.String())
            .withValueSerde(Reference.customerSerde()));

    Duration window = Duration.ofMillis(config.windowMs());
    Duration grace = Duration.ofMillis(config.latenessMs());
    // Ids sit in window-sized buckets (see WindowProcessor): kept for the horizon plus a bucket.
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(DEDUPE_STORE, Duration.ofMillis(config.dedupeHorizonMs()).plus(window), window, false),
            Serdes.String(),
            Serdes.Long()));
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(CUSTOMERS_SEEN_STORE, window.plus(grace), window, false),
            Serdes.String(),
            Serdes.ByteArray()));
    // Final windows are deleted when written; the retention only bounds what a lost delete leaves.
    builder.addStateStore(
        Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(WINDOW_STORE, window.multipliedBy(2).plus(grace), window, false),
                Serdes.String(),
                WindowTotals.serde())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PROGRESS_STORE), Serdes.String(), Serdes.Long())
            .withCachingEnabled());

    KStream<String, EventRecord> events =
        builder.stream(config.rawTopic(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("events-raw"))
            .processValues(() -> new EnrichProcessor(regions, metrics), Named.as("enrich"));
    events
        .split(Named.as("events-"))
        .branch(
            (key, event) -> event.isInvalid(),
            Branched.withConsumer(
                invalid ->
                    invalid
                        .mapValues(event -> event.value, Named.as("invalid-bytes"))
                        .to(config.deadLetterTopic(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("dead-letter")),
                "invalid"))
        .defaultBranch(
            Branched.withConsumer(
                valid -> {
                  valid
                      .mapValues(event -> event.value, Named.as("enriched-bytes"))
                      .to(config.enrichedTopic(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("events-enriched"));
                  windows(valid, config, metrics);
                },
                "valid"));
    return builder.build();
  }

  private static void windows(KStream<String, EventRecord> valid, PeerConfig config, PeerMetrics metrics) {
    valid
        .process(() -> new WindowProcessor(config, metrics), Named.as("windows"), DEDUPE_STORE, CUSTOMERS_SEEN_STORE, WINDOW_STORE, PROGRESS_STORE)
        .to(config.windowsTopic(), Produced.with(Serdes.String(), Serdes.String()).withName("windows-out"));
  }

  /** Validates and enriches; the event's own time becomes the record's timestamp. */
  static final class EnrichProcessor implements FixedKeyProcessor<String, byte[], EventRecord> {
    private final Regions regions;
    private final PeerMetrics metrics;
    private FixedKeyProcessorContext<String, EventRecord> context;
    private Enricher enricher;

    EnrichProcessor(Regions regions, PeerMetrics metrics) {
      this.regions = regions;
      this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, EventRecord> context) {
      this.context = context;
      TimestampedKeyValueStore<String, Reference.Product> products = context.getStateStore(PRODUCTS_STORE);
      TimestampedKeyValueStore<String, Reference.Customer> customers = context.getStateStore(CUSTOMERS_STORE);
      enricher =
          new Enricher(
              id -> ValueAndTimestamp.getValueOrNull(products.get(id)),
              id -> ValueAndTimestamp.getValueOrNull(customers.get(id)),
              regions);
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> record) {
      if (record.headers().lastHeader(HEARTBEAT_HEADER) != null) {
        context.forward(record.withValue(EventRecord.heartbeat(record.value())));
        return;
      }
      EventRecord event = enricher.enrich(record.value(), System.currentTimeMillis());
      if (event.isInvalid()) {
        metrics.invalid.increment();
        record.headers().add("pulse-dlq-error-class", "ContractViolation".getBytes(StandardCharsets.UTF_8));
        record.headers().add("pulse-dlq-error-message", event.error.getBytes(StandardCharsets.UTF_8));
        record.headers().add("pulse-dlq-service", "kafka-streams-peer".getBytes(StandardCharsets.UTF_8));
        context.forward(record.withValue(event));
        return;
      }
      context.forward(record.withValue(event).withTimestamp(event.facts.time()));
    }
  }

  /**
   * Dedupe, tumbling windows and their output, in the task that owns the event's partition of
   * events.raw. Results are per source partition (Pulse's `partition` tag) and all of one
   * customer's events are on one partition, so nothing here needs a repartition: the groups of a
   * window are updated in place in a window store (in memory, changelogged, cached so the
   * changelog gets one record per changed group per commit), and distinct customers are exact.
   *
   * <p>The partition's watermark is its newest event time (orders, views, cart adds; duplicates
   * included) minus the grace, Pulse's allowed lateness; it is kept in a store, so it survives a
   * restart. A window is final once the watermark reaches its end: its groups are then written
   * with `final=true` and deleted. An event whose window is already final is dropped and counted
   * (what a windowed aggregation does past its grace). Changed groups of open windows are written
   * on a wall-clock schedule like Pulse's: every open-window interval, and every flush interval
   * once the window's end has passed on the clock. InfluxDB points are upserts, so the last write
   * of a group is its value.
   */
  static final class WindowProcessor implements Processor<String, EventRecord, String, String> {
    private static final String WATERMARK_KEY = "max-event-time";
    private final long windowMs;
    private final long latenessMs;
    private final long horizonMs;
    private final long flushIntervalMs;
    private final long openFlushIntervalMs;
    private final String windowLabel;
    private final PeerMetrics metrics;
    /** Changed groups not written yet, by window start. Lost on a restart: the final write covers them. */
    private final TreeMap<Long, Set<String>> dirty = new TreeMap<>();
    private ProcessorContext<String, String> context;
    private WindowStore<String, Long> dedupe;
    private WindowStore<String, byte[]> customersSeen;
    private WindowStore<String, WindowTotals> totals;
    private KeyValueStore<String, Long> progress;
    private int partition;
    private long maxEventTime;
    /** Windows starting before this are final (written and deleted). */
    private long closedBelow;
    private long lastOpenFlush;

    WindowProcessor(PeerConfig config, PeerMetrics metrics) {
      this.windowMs = config.windowMs();
      this.latenessMs = config.latenessMs();
      this.horizonMs = config.dedupeHorizonMs();
      this.flushIntervalMs = config.flushIntervalMs();
      this.openFlushIntervalMs = config.openWindowFlushIntervalMs();
      this.windowLabel = config.windowLabel();
      this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.dedupe = context.getStateStore(DEDUPE_STORE);
      this.customersSeen = context.getStateStore(CUSTOMERS_SEEN_STORE);
      this.totals = context.getStateStore(WINDOW_STORE);
      this.progress = context.getStateStore(PROGRESS_STORE);
      this.partition = context.taskId().partition();
      // Called after the stores are restored, again if the task is revived: start from the stores.
      dirty.clear();
      Long saved = progress.get(WATERMARK_KEY);
      maxEventTime = saved == null ? Long.MIN_VALUE : saved;
      closedBelow = saved == null ? Long.MIN_VALUE : windowStartOf(saved - latenessMs);
      lastOpenFlush = context.currentSystemTimeMs();
      context.schedule(Duration.ofMillis(flushIntervalMs), PunctuationType.WALL_CLOCK_TIME, this::flush);
    }

    @Override
    public void process(Record<String, EventRecord> record) {
      EventRecord event = record.value();
      if (event.heartbeat) {
        advance(record.timestamp());
        return;
      }
      metrics.processed.increment();
      Facts facts = event.facts;
      // Inventory changes feed no sales metric and, as in Pulse, do not move the watermark.
      if (facts.kind() == Facts.Kind.OTHER) return;
      long time = facts.time();
      advance(time);
      // Ids are remembered per window-sized bucket of event time: a lookup reads a handful of
      // buckets, and an id is recognised at least `horizon` and at most `horizon + window` away,
      // Pulse's documented bound.
      boolean duplicate;
      try (WindowStoreIterator<Long> seen =
          dedupe.fetch(facts.id(), Instant.ofEpochMilli(windowStartOf(time - horizonMs)), Instant.ofEpochMilli(windowStartOf(time + horizonMs)))) {
        duplicate = seen.hasNext();
      }
      dedupe.put(facts.id(), time, windowStartOf(time));
      if (duplicate) {
        metrics.duplicates.increment();
        return;
      }
      long windowStart = windowStartOf(time);
      if (windowStart < closedBelow) {
        metrics.late.increment();
        return;
      }
      String region = facts.region();
      switch (facts.kind()) {
        case ORDER -> {
          String currency = facts.currency();
          String customer = facts.customerId();
          add(windowStart, new GroupKey(partition, "total", null, null, null), customer, Contribution.ORDER, facts.units(), facts.revenueMinor(), currency);
          add(windowStart, new GroupKey(partition, "region", null, region, null), customer, Contribution.ORDER, facts.units(), facts.revenueMinor(), currency);
          for (Facts.Share share : facts.categories()) {
            add(windowStart, new GroupKey(partition, "category", share.category(), null, null), customer, Contribution.ORDER, share.units(), share.revenueMinor(), currency);
            add(windowStart, new GroupKey(partition, "category_region", share.category(), region, null), customer, Contribution.ORDER, share.units(), share.revenueMinor(), currency);
          }
          for (Facts.Share share : facts.products()) {
            add(windowStart, new GroupKey(partition, "product", share.category(), null, share.productId()), null, Contribution.ORDER, share.units(), share.revenueMinor(), currency);
          }
        }
        case VIEW, CART -> {
          byte kind = facts.kind() == Facts.Kind.VIEW ? Contribution.VIEW : Contribution.CART;
          String category = facts.category();
          add(windowStart, new GroupKey(partition, "total", null, null, null), null, kind, 0, 0, null);
          add(windowStart, new GroupKey(partition, "region", null, region, null), null, kind, 0, 0, null);
          add(windowStart, new GroupKey(partition, "category", category, null, null), null, kind, 0, 0, null);
          add(windowStart, new GroupKey(partition, "category_region", category, region, null), null, kind, 0, 0, null);
        }
        default -> throw new IllegalStateException("unexpected kind " + facts.kind());
      }
    }

    private void add(long windowStart, GroupKey group, String customer, byte kind, int units, long revenueMinor, String currency) {
      String key = group.encode();
      boolean newCustomer = false;
      if (customer != null) {
        String seenKey = key + '\u0002' + customer;
        if (customersSeen.fetch(seenKey, windowStart) == null) {
          customersSeen.put(seenKey, SEEN, windowStart);
          newCustomer = true;
        }
      }
      WindowTotals current = totals.fetch(key, windowStart);
      if (current == null) current = new WindowTotals();
      totals.put(key, current.add(new Contribution(kind, units, revenueMinor, currency, newCustomer)), windowStart);
      dirty.computeIfAbsent(windowStart, start -> new HashSet<>()).add(key);
    }

    /** Moves the partition's newest event time; writes and forgets the windows that become final. */
    private void advance(long time) {
      if (time <= maxEventTime) return;
      maxEventTime = time;
      progress.put(WATERMARK_KEY, time);
      long closeBelow = windowStartOf(time - latenessMs);
      if (closeBelow <= closedBelow) return;
      long watermark = time - latenessMs;
      // The first close after a (re)start looks back over everything the store may still hold.
      long from = closedBelow == Long.MIN_VALUE ? closeBelow - windowMs - latenessMs : closedBelow;
      List<KeyValue<Windowed<String>, WindowTotals>> closing = new ArrayList<>();
      try (KeyValueIterator<Windowed<String>, WindowTotals> windows =
          totals.fetchAll(Instant.ofEpochMilli(from), Instant.ofEpochMilli(closeBelow - 1))) {
        windows.forEachRemaining(closing::add);
      }
      for (KeyValue<Windowed<String>, WindowTotals> window : closing) {
        write(window.key.key(), window.key.window().start(), window.value, watermark, true, time);
        totals.put(window.key.key(), null, window.key.window().start());
      }
      dirty.headMap(closeBelow).clear();
      closedBelow = closeBelow;
    }

    /** Writes the changed groups of open windows that are due (see the class comment). */
    private void flush(long now) {
      boolean openDue = now - lastOpenFlush >= openFlushIntervalMs;
      if (openDue) lastOpenFlush = now;
      long watermark = maxEventTime - latenessMs;
      for (Iterator<Map.Entry<Long, Set<String>>> windows = dirty.entrySet().iterator(); windows.hasNext(); ) {
        Map.Entry<Long, Set<String>> window = windows.next();
        long start = window.getKey();
        if (!openDue && start + windowMs > now) continue;
        for (String key : window.getValue()) {
          WindowTotals value = totals.fetch(key, start);
          if (value != null) write(key, start, value, watermark, false, now);
        }
        windows.remove();
      }
    }

    private void write(String key, long windowStart, WindowTotals value, long watermark, boolean isFinal, long timestamp) {
      String lines = InfluxLines.render(GroupKey.decode(key), windowStart, value, windowLabel, watermark, isFinal);
      if (lines.isEmpty()) return;
      if (isFinal) metrics.finalGroups.increment();
      else metrics.openGroups.increment();
      context.forward(new Record<>(key + '\u0001' + windowStart, lines, timestamp));
    }

    private long windowStartOf(long time) {
      return time - Math.floorMod(time, windowMs);
    }
  }
}
