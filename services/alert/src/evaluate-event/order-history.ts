import type { OrderPlacedEvent } from '@pulse/contracts';

export interface OrderMark {
  /** The event's CloudEvents `id`: a re-sent or re-driven order carries the same one. */
  id: string;
  time: number;
  /** Offset of the first copy seen (what a replay must start from to rebuild the mark). */
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
 * An order counts once per event id, whatever offsets it arrives at; the ids are kept only with
 * the marks themselves, so memory is bounded by the orders within the horizon.
 */
export class OrderHistory {
  private readonly byCustomer = new Map<string, OrderMark[]>();
  private latestEventTime = 0;

  /**
   * Adds an order once: a replayed message (same offset), a re-sent event or one re-driven from
   * the dead-letter topic (same id, later offset) is the order already counted.
   */
  add(customer: string, mark: OrderMark): void {
    this.latestEventTime = Math.max(this.latestEventTime, mark.time);
    const marks = this.byCustomer.get(customer) ?? [];
    const known = marks.find((candidate) => candidate.id === mark.id);
    if (known) {
      if (mark.offset < known.offset) known.offset = mark.offset;
      return;
    }
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
