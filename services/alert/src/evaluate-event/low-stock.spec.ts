import { EventType, type EnrichedEvent, type InventoryLevelChangedEvent } from '@pulse/contracts';
import { inventoryEvent, ruleOf } from '../testing/fixtures';
import { evaluateLowStock } from './low-stock';

const T = Date.parse('2026-11-24T12:00:00.000Z');
const rule = ruleOf('low_stock', { threshold: 10 });

function level(stock: number, warehouse?: string) {
  const event = inventoryEvent('p-7', stock, T, warehouse);
  if (event.type !== EventType.InventoryLevelChanged) throw new Error('not an inventory event');
  return event as InventoryLevelChangedEvent & Pick<EnrichedEvent, 'enrichment'>;
}

describe('low stock', () => {
  it('fires below the threshold, per warehouse when the event names one', () => {
    expect(evaluateLowStock(rule, level(9, 'berlin'))).toMatchObject({
      active: true,
      value: 9,
      threshold: 10,
      identity: { product: 'p-7', warehouse: 'berlin' },
      summary: expect.stringContaining('Widget (p-7) in warehouse berlin: 9'),
    });
  });

  it('does not fire at the threshold, and that resolves a firing alert', () => {
    expect(evaluateLowStock(rule, level(10))).toMatchObject({
      active: false,
      canResolve: true,
      identity: { product: 'p-7' },
    });
  });

  it('only watches the products listed', () => {
    const other = ruleOf('low_stock', { threshold: 10, products: ['p-1'] });
    expect(evaluateLowStock(other, level(0))).toBeNull();
  });
});
