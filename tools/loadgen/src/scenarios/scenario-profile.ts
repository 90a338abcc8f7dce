/** The traffic shapes the generator knows; several may be combined (`flash-sale,malformed-mix`). */
export const SCENARIO_NAMES = [
  'steady',
  'flash-sale',
  'fraud-burst',
  'malformed-mix',
  'late-duplicates',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface FlashSaleShape {
  /** Number of categories the sale is on. */
  hotCategories: number;
  /** Number of doorbuster products per hot category whose stock drains. */
  doorbustersPerCategory: number;
  /** Phase (0..1 of the run or cycle) where the sale opens and closes. */
  opensAt: number;
  closesAt: number;
  /** Share of shoppers' product choices that go to the hot categories while the sale is open. */
  hotShare: number;
  /** Price reduction on hot products while the sale is open, e.g. 0.2 = 20 % off. */
  discount: number;
}

export interface FraudBurstShape {
  /** Phase at which one customer starts ordering fast. */
  startsAt: number;
  orders: number;
  spanMs: number;
}

/**
 * Everything the chosen scenarios change about the base traffic. `steady` is the base: a
 * constant rate of views, cart adds, orders and stock updates from the sample customers.
 */
export interface TrafficProfile {
  scenarios: readonly ScenarioName[];
  /** Multiplier of the base rate at a phase (0..1) of the run or cycle. */
  rateFactor(phase: number): number;
  flashSale: FlashSaleShape | undefined;
  fraudBurst: FraudBurstShape | undefined;
  /** Share of items that are invalid events. */
  malformedShare: number;
  /** Share of events re-sent with the same id. */
  duplicateShare: number;
  /** Share of events older than the allowed lateness (counted as late, in no window). */
  lateShare: number;
  /** Share of events a few seconds old, still within the allowed lateness (counted normally). */
  slightlyLateShare: number;
}

export interface ProfileTuning {
  malformedShare?: number;
  duplicateShare?: number;
  lateShare?: number;
}

const FLASH_SALE: FlashSaleShape = {
  hotCategories: 2,
  doorbustersPerCategory: 2,
  opensAt: 0.3,
  closesAt: 0.7,
  hotShare: 0.8,
  discount: 0.2,
};

/**
 * Flash sale: quiet, a ramp into a burst at 3x the base rate while the sale is open, then back
 * to normal.
 */
export function flashSaleRateFactor(phase: number): number {
  if (phase < 0.2) return 0.6;
  if (phase < FLASH_SALE.opensAt) return 0.6 + (3 - 0.6) * ((phase - 0.2) / (FLASH_SALE.opensAt - 0.2));
  if (phase < FLASH_SALE.closesAt) return 3;
  return 1;
}

export function parseScenarios(text: string): ScenarioName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error(`no scenario given; choose from ${SCENARIO_NAMES.join(', ')}`);
  for (const name of names) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario "${name}"; choose from ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  return [...new Set(names as ScenarioName[])];
}

export function profileFor(scenarios: readonly ScenarioName[], tuning: ProfileTuning = {}): TrafficProfile {
  const has = (name: ScenarioName) => scenarios.includes(name);
  const lateDuplicates = has('late-duplicates');
  return {
    scenarios,
    rateFactor: has('flash-sale') ? flashSaleRateFactor : () => 1,
    flashSale: has('flash-sale') ? FLASH_SALE : undefined,
    fraudBurst: has('fraud-burst') ? { startsAt: 0.5, orders: 20, spanMs: 30_000 } : undefined,
    malformedShare: has('malformed-mix') ? (tuning.malformedShare ?? 0.05) : 0,
    duplicateShare: lateDuplicates ? (tuning.duplicateShare ?? 0.03) : 0,
    lateShare: lateDuplicates ? (tuning.lateShare ?? 0.02) : 0,
    slightlyLateShare: lateDuplicates ? 0.03 : 0,
  };
}
