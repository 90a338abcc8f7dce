package pulse.bench.peer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
 *   └─ valid ─▶ dedupe by id (window store, Pulse's horizon) ─▶ one contribution per group
 *        ─▶ repartition (key: source partition + group; partition = source partition)
 *        ─▶ tumbling event-time windows, grace = Pulse's allowed lateness ─▶ suppress until close
 *        ─▶ line protocol ─▶ the windows topic (an InfluxDB writer reads it, see InfluxWriter)
 * </pre>
 *
 * Results are kept per source partition, as Pulse keeps them (its `partition` tag): the repartition
 * only moves a source partition's contributions to the same-numbered partition, and stream time on
 * it is that source partition's event time, like Pulse's per-partition watermark. Every store is
 * in memory (changelogged, so exactly-once restores them): no RocksDB, all state on the sized heap.
 */
public final class PeerTopology {
  public static final String PRODUCTS_STORE = "products";
  public static final String CUSTOMERS_STORE = "customers";
  public static final String DEDUPE_STORE = "dedupe";
  public static final String CUSTOMERS_SEEN_STORE = "customers-seen";
  public static final String WINDOW_STORE = "window-totals";
  /** A record with this header only moves its partition's stream time (see the bench's settle step). */
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

    Duration horizon = Duration.ofMillis(config.dedupeHorizonMs());
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(DEDUPE_STORE, horizon, horizon, false), Serdes.String(), Serdes.Long()));
    Duration window = Duration.ofMillis(config.windowMs());
    Duration grace = Duration.ofMillis(config.latenessMs());
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(CUSTOMERS_SEEN_STORE, window.plus(grace), window, false),
            Serdes.String(),
            Serdes.ByteArray()));

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
    StreamPartitioner<String, Contribution> sameAsSource = new SameAsSource();
    String windowLabel = config.windowLabel();
    long lateness = config.latenessMs();
    valid
        .process(() -> new ContributeProcessor(config, metrics), Named.as("dedupe-and-contribute"), DEDUPE_STORE, CUSTOMERS_SEEN_STORE)
        .repartition(
            Repartitioned.<String, Contribution>as("contributions")
                .withKeySerde(Serdes.String())
                .withValueSerde(Contribution.serde())
                .withStreamPartitioner(sameAsSource))
        .peek(
            (key, contribution) -> {
              if (isTotal(key)) metrics.windowed.increment();
            },
            Named.as("count-windowed"))
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(config.windowMs()), Duration.ofMillis(lateness)))
        .aggregate(
            WindowTotals::new,
            (key, contribution, totals) -> totals.add(contribution),
            Named.as("window-aggregate"),
            Materialized.<String, WindowTotals>as(
                    Stores.inMemoryWindowStore(
                        WINDOW_STORE,
                        Duration.ofMillis(config.windowMs() + lateness),
                        Duration.ofMillis(config.windowMs()),
                        false))
                .withKeySerde(Serdes.String())
                .withValueSerde(WindowTotals.serde()))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("final-windows"))
        .toStream(Named.as("final-window-stream"))
        .process(() -> new RenderProcessor(windowLabel, lateness, metrics), Named.as("line-protocol"))
        .to(config.windowsTopic(), Produced.with(Serdes.String(), Serdes.String()).withName("windows-out"));
  }

  /** Each contribution goes to the partition its event came from (the key's first field). */
  static final class SameAsSource implements StreamPartitioner<String, Contribution> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Contribution value, Headers headers, int partitions) {
      return Optional.of(Set.of(GroupKey.partitionOf(key) % partitions));
    }

    @Override
    @SuppressWarnings("removal")
    public Optional<Set<Integer>> partitions(String topic, String key, Contribution value, int partitions) {
      return partitions(topic, key, value, null, partitions);
    }
  }

  /** The `total` grouping's contribution: exactly one per counted event. */
  static boolean isTotal(String key) {
    int start = key.indexOf('\u0001') + 1;
    return key.startsWith("total\u0001", start);
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
   * Drops duplicates (an id seen within the horizon on this partition), then emits one
   * contribution per group the event counts in, keyed by source partition and group. Whether the
   * ordering customer is new to a group's window is decided here, per source partition, where all
   * of one customer's events are (they are keyed by customer): exact distinct counts without
   * holding customer sets in the window values.
   */
  static final class ContributeProcessor implements Processor<String, EventRecord, String, Contribution> {
    private final long windowMs;
    private final long horizonMs;
    private final PeerMetrics metrics;
    private ProcessorContext<String, Contribution> context;
    private WindowStore<String, Long> dedupe;
    private WindowStore<String, byte[]> customersSeen;

    ContributeProcessor(PeerConfig config, PeerMetrics metrics) {
      this.windowMs = config.windowMs();
      this.horizonMs = config.dedupeHorizonMs();
      this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Contribution> context) {
      this.context = context;
      this.dedupe = context.getStateStore(DEDUPE_STORE);
      this.customersSeen = context.getStateStore(CUSTOMERS_SEEN_STORE);
    }

    @Override
    public void process(Record<String, EventRecord> record) {
      int partition = context.recordMetadata().orElseThrow().partition();
      EventRecord event = record.value();
      if (event.heartbeat) {
        context.forward(new Record<>(GroupKey.tick(partition), new Contribution(Contribution.TICK, 0, 0, null, false), record.timestamp()));
        return;
      }
      Facts facts = event.facts;
      if (facts.kind() == Facts.Kind.OTHER) {
        metrics.processed.increment();
        return;
      }
      long time = facts.time();
      boolean duplicate;
      try (WindowStoreIterator<Long> seen =
          dedupe.fetch(facts.id(), Instant.ofEpochMilli(time - horizonMs), Instant.ofEpochMilli(time + horizonMs))) {
        duplicate = seen.hasNext();
      }
      dedupe.put(facts.id(), time, time);
      if (duplicate) {
        metrics.duplicates.increment();
        metrics.processed.increment();
        return;
      }
      long windowStart = time - Math.floorMod(time, windowMs);
      String region = facts.region();
      metrics.sentToWindows.increment();
      switch (facts.kind()) {
        case ORDER -> {
          String currency = facts.currency();
          String customer = facts.customerId();
          emitOrder(partition, windowStart, time, new GroupKey(partition, "total", null, null, null), customer, facts.units(), facts.revenueMinor(), currency);
          emitOrder(partition, windowStart, time, new GroupKey(partition, "region", null, region, null), customer, facts.units(), facts.revenueMinor(), currency);
          for (Facts.Share share : facts.categories()) {
            emitOrder(partition, windowStart, time, new GroupKey(partition, "category", share.category(), null, null), customer, share.units(), share.revenueMinor(), currency);
            emitOrder(partition, windowStart, time, new GroupKey(partition, "category_region", share.category(), region, null), customer, share.units(), share.revenueMinor(), currency);
          }
          for (Facts.Share share : facts.products()) {
            emitOrder(partition, windowStart, time, new GroupKey(partition, "product", share.category(), null, share.productId()), null, share.units(), share.revenueMinor(), currency);
          }
        }
        case VIEW, CART -> {
          Contribution browse =
              new Contribution(facts.kind() == Facts.Kind.VIEW ? Contribution.VIEW : Contribution.CART, 0, 0, null, false);
          String category = facts.category();
          forward(new GroupKey(partition, "total", null, null, null), browse, time);
          forward(new GroupKey(partition, "region", null, region, null), browse, time);
          forward(new GroupKey(partition, "category", category, null, null), browse, time);
          forward(new GroupKey(partition, "category_region", category, region, null), browse, time);
        }
        default -> throw new IllegalStateException("unexpected kind " + facts.kind());
      }
    }

    private void emitOrder(
        int partition, long windowStart, long time, GroupKey key, String customer, int units, long revenueMinor, String currency) {
      boolean newCustomer = false;
      if (customer != null) {
        String seenKey = key.withinPartition() + '\u0002' + customer;
        if (customersSeen.fetch(seenKey, windowStart) == null) {
          customersSeen.put(seenKey, SEEN, windowStart);
          newCustomer = true;
        }
      }
      forward(key, new Contribution(Contribution.ORDER, units, revenueMinor, currency, newCustomer), time);
    }

    private void forward(GroupKey key, Contribution contribution, long time) {
      context.forward(new Record<>(key.encode(), contribution, time));
    }
  }

  /** A final window group as line protocol, keyed by group and window start. */
  static final class RenderProcessor implements Processor<Windowed<String>, WindowTotals, String, String> {
    private final String windowLabel;
    private final long latenessMs;
    private final PeerMetrics metrics;
    private ProcessorContext<String, String> context;

    RenderProcessor(String windowLabel, long latenessMs, PeerMetrics metrics) {
      this.windowLabel = windowLabel;
      this.latenessMs = latenessMs;
      this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
    }

    @Override
    public void process(Record<Windowed<String>, WindowTotals> record) {
      if (record.value() == null) return;
      GroupKey key = GroupKey.decode(record.key().key());
      if (key.isTick()) return;
      long start = record.key().window().start();
      // The watermark that closed the window: this partition's stream time minus the grace.
      long watermark = context.currentStreamTimeMs() - latenessMs;
      String lines = InfluxLines.render(key, start, record.value(), windowLabel, watermark);
      if (lines.isEmpty()) return;
      metrics.finalGroups.increment();
      context.forward(new Record<>(record.key().key() + '\u0001' + start, lines, record.timestamp()));
    }
  }
}
