import { EventType, incomingEventSchema, type PulseEvent } from '@pulse/contracts';
import { referenceFixture } from '../testing/reference-fixture';
import type { GeneratedItem } from './generated-item';
import { parseScenarios, type ScenarioName } from './scenario-profile';
import { LATE_BY_MS, SLIGHTLY_LATE_MAX_MS, TrafficGenerator, type GeneratorPlan } from './traffic-generator';

const START = Date.parse('2026-03-01T12:00:00.000Z');

function plan(scenarios: ScenarioName[], overrides: Partial<GeneratorPlan> = {}): GeneratorPlan {
  return { scenarios, seed: 42, startTimeMs: START, durationMs: 60_000, rate: 50, ...overrides };
}

function generate(p: GeneratorPlan): GeneratedItem[] {
  return [...new TrafficGenerator(p, referenceFixture).items()];
}

function take(p: GeneratorPlan, count: number): GeneratedItem[] {
  const items: GeneratedItem[] = [];
  for (const item of new TrafficGenerator(p, referenceFixture).items()) {
    items.push(item);
    if (items.length === count) break;
  }
  return items;
}

const ALL: ScenarioName[] = ['flash-sale', 'fraud-burst', 'malformed-mix', 'late-duplicates'];
const orders = (items: GeneratedItem[]) =>
  items.filter((item) => item.event?.type === EventType.OrderPlaced && item.kind === 'event');

describe('TrafficGenerator', () => {
  it('gives the same items for the same seed and start time', () => {
    const first = generate(plan(ALL));
    const second = generate(plan(ALL));
    expect(second.map((item) => item.line)).toEqual(first.map((item) => item.line));
    expect(second.map((item) => item.sendAtMs)).toEqual(first.map((item) => item.sendAtMs));
  });

  it('gives different items for another seed, and ids that differ between start times', () => {
    const base = generate(plan(['steady']));
    expect(generate(plan(['steady'], { seed: 43 })).map((item) => item.line)).not.toEqual(
      base.map((item) => item.line),
    );
    const later = generate(plan(['steady'], { startTimeMs: START + 1 }));
    const ids = new Set(base.map((item) => item.eventId));
    expect(later.some((item) => ids.has(item.eventId))).toBe(false);
  });

  it('sends in time order within the run, at the base rate when steady', () => {
    const items = generate(plan(['steady'], { rate: 100 }));
    const times = items.map((item) => item.sendAtMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.every((t) => t >= 0 && t < 60_000)).toBe(true);
    // 6000 expected; a Poisson count this large stays within a few percent.
    expect(items.length).toBeGreaterThan(5_600);
    expect(items.length).toBeLessThan(6_400);
    expect(items.every((item) => item.kind === 'event')).toBe(true);
  });

  it('produces only valid events outside the malformed mix, all with unique ids', () => {
    const items = generate(plan(['flash-sale', 'fraud-burst'])).filter((item) => item.kind === 'event');
    for (const item of items) {
      expect(incomingEventSchema.safeParse(JSON.parse(item.line)).success).toBe(true);
    }
    expect(new Set(items.map((item) => item.eventId)).size).toBe(items.length);
  });

  it('makes every malformed item invalid, in the requested share, and every other item valid', () => {
    const items = generate(plan(['malformed-mix'], { rate: 100 }));
    const malformed = items.filter((item) => item.kind === 'malformed');
    expect(malformed.length / items.length).toBeGreaterThan(0.035);
    expect(malformed.length / items.length).toBeLessThan(0.065);
    expect(new Set(malformed.map((item) => item.malformedKind)).size).toBe(6);
    for (const item of malformed) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(item.line);
      } catch {
        expect(item.malformedKind).toBe('invalid-json');
        continue;
      }
      expect(incomingEventSchema.safeParse(parsed).success).toBe(false);
    }
  });

  it('ramps into a burst three times the base rate on the hot categories while stock drains to zero', () => {
    const generator = new TrafficGenerator(plan(['flash-sale'], { rate: 40 }), referenceFixture);
    const items = [...generator.items()];
    const inPhase = (from: number, to: number) =>
      items.filter(
        (item) => item.sendAtMs >= from * 60_000 && item.sendAtMs < to * 60_000 && item.kind === 'event',
      );
    const quietRate = inPhase(0, 0.2).length / 12;
    const burstRate = inPhase(0.3, 0.7).length / 24;
    expect(burstRate / quietRate).toBeGreaterThan(3.5); // 3x base vs 0.6x base = 5x
    const hot = new Set(generator.saleCategories);
    expect(hot.size).toBe(2);
    const burstOrders = orders(inPhase(0.3, 0.7));
    const hotOrders = burstOrders.filter((item) => {
      const event = item.event as PulseEvent & { type: typeof EventType.OrderPlaced };
      const category = referenceFixture.products.find(
        (p) => p.id === event.data.lines[0]?.productId,
      )?.category;
      return category !== undefined && hot.has(category);
    });
    expect(hotOrders.length / burstOrders.length).toBeGreaterThan(0.6);

    const stockEvents = items
      .map((item) => item.event)
      .filter(
        (event): event is PulseEvent & { type: typeof EventType.InventoryLevelChanged } =>
          event?.type === EventType.InventoryLevelChanged,
      );
    expect(stockEvents.every((event) => event.data.stock >= 0)).toBe(true);
    const soldOut = stockEvents.filter((event) => event.data.stock === 0);
    expect(soldOut.length).toBeGreaterThan(0);
    for (const event of soldOut) {
      const atMs = Date.parse(event.time) - START;
      expect(atMs).toBeGreaterThanOrEqual(0.3 * 60_000);
      expect(atMs).toBeLessThan(0.7 * 60_000);
    }
  });

  it('has one customer place the fraud burst: 20 orders within 30 seconds', () => {
    const burst = generate(plan(['fraud-burst'])).filter((item) => item.tags.includes('fraud-burst'));
    const burstOrders = orders(burst);
    expect(burstOrders).toHaveLength(20);
    expect(new Set(burstOrders.map((item) => item.event?.customerid)).size).toBe(1);
    const times = burstOrders.map((item) => Date.parse(item.event?.time ?? ''));
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(30_000);
  });

  it('re-sends duplicates unchanged and makes late events older than any allowed lateness', () => {
    const items = generate(plan(['late-duplicates'], { rate: 100 }));
    const byId = new Map(items.filter((item) => item.kind === 'event').map((item) => [item.eventId, item]));
    const duplicates = items.filter((item) => item.kind === 'duplicate');
    expect(duplicates.length).toBeGreaterThan(100);
    for (const duplicate of duplicates) {
      const original = byId.get(duplicate.eventId);
      expect(original?.line).toBe(duplicate.line);
      expect(original!.seq).toBeLessThan(duplicate.seq);
    }
    const late = items.filter((item) => item.kind === 'late');
    expect(late.length).toBeGreaterThan(50);
    for (const item of late) {
      expect(START + item.sendAtMs - Date.parse(item.event!.time)).toBeGreaterThanOrEqual(LATE_BY_MS - 1);
    }
    const slightlyLate = items.filter((item) => item.tags.includes('slightly-late'));
    expect(slightlyLate.length).toBeGreaterThan(50);
    for (const item of slightlyLate) {
      const age = START + item.sendAtMs - Date.parse(item.event!.time);
      expect(age).toBeGreaterThanOrEqual(2_999);
      expect(age).toBeLessThanOrEqual(SLIGHTLY_LATE_MAX_MS + 1);
    }
  });

  it('repeats the scenario shape every cycle when it runs until stopped', () => {
    const items = take(plan(['fraud-burst'], { durationMs: 0, cycleMs: 80_000, rate: 10 }), 4_000);
    const burstCustomersByCycle = new Map<number, Set<string>>();
    for (const item of orders(items).filter((order) => order.tags.includes('fraud-burst'))) {
      const cycle = Math.floor(item.sendAtMs / 80_000);
      const set = burstCustomersByCycle.get(cycle) ?? new Set<string>();
      set.add(item.event!.customerid!);
      burstCustomersByCycle.set(cycle, set);
    }
    expect(burstCustomersByCycle.size).toBeGreaterThanOrEqual(3);
    for (const customers of burstCustomersByCycle.values()) expect(customers.size).toBe(1);
  });
});

describe('parseScenarios', () => {
  it('accepts a comma-separated combination and refuses unknown names', () => {
    expect(parseScenarios('flash-sale, malformed-mix')).toEqual(['flash-sale', 'malformed-mix']);
    expect(() => parseScenarios('black-friday')).toThrow('unknown scenario "black-friday"');
    expect(() => parseScenarios('')).toThrow('no scenario given');
  });
});
