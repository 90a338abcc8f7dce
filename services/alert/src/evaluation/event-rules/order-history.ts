import type { OrderPlacedEvent } from '@pulse/contracts';

export interface OrderMark {
  time: number;
  offset: bigint;
  currency: string;
  value: number;
}

/** An order's value in major units of its currency. */
export function orderValue(event: OrderPlacedEvent): number {
  let total = 0;
  for (const line of event.data.lines) total += line.quantity * line.unitPrice;
  return Math.round(total * 1e6) / 1e6;
}

/**
 * Recent orders per customer on one `events.enriched` partition (events are keyed by customer,
 * so a customer's orders are all here). Rebuilt after a restart by replaying from `neededFrom()`.
 */
export class OrderHistory {
  private readonly byCustomer = new Map<string, OrderMark[]>();
  private latestEventTime = 0;

  /** Adds an order once (a retried or replayed message carries the same offset). */
  add(customer: string, mark: OrderMark): void {
    this.latestEventTime = Math.max(this.latestEventTime, mark.time);
    const marks = this.byCustomer.get(customer) ?? [];
    if (marks.some((known) => known.offset === mark.offset)) return;
    marks.push(mark);
    marks.sort((a, b) => a.time - b.time);
    this.byCustomer.set(customer, marks);
  }

  /** The customer's orders with from < time <= to. */
  between(customer: string, from: number, to: number): OrderMark[] {
    return (this.byCustomer.get(customer) ?? []).filter((mark) => mark.time > from && mark.time <= to);
  }

  /** Drops orders older than `horizonMs` before the newest event time seen. */
  prune(horizonMs: number): void {
    const oldest = this.latestEventTime - horizonMs;
    for (const [customer, marks] of this.byCustomer) {
      const kept = marks.filter((mark) => mark.time > oldest);
      if (kept.length === 0) this.byCustomer.delete(customer);
      else if (kept.length !== marks.length) this.byCustomer.set(customer, kept);
    }
  }

  neededFrom(): bigint | null {
    let min: bigint | null = null;
    for (const marks of this.byCustomer.values()) {
      for (const { offset } of marks) if (min === null || offset < min) min = offset;
    }
    return min;
  }
}
