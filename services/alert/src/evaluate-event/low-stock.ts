import type { EnrichedEvent, InventoryLevelChangedEvent } from '@pulse/contracts';
import type { Observation } from '../lifecycle/lifecycle';
import type { LowStockRule } from '../rules/rule-schema';

/** A product's (or a product's stock in one warehouse) level below the threshold; at or above resolves. */
export function evaluateLowStock(
  rule: LowStockRule,
  event: InventoryLevelChangedEvent & Pick<EnrichedEvent, 'enrichment'>,
): Observation | null {
  const { productId, stock, warehouse } = event.data;
  if (rule.products !== undefined && !rule.products.includes(productId)) return null;
  const perWarehouse = rule.perWarehouse ? warehouse : undefined;
  const name = event.enrichment.products[0]?.name;
  const where = perWarehouse === undefined ? '' : ` in warehouse ${perWarehouse}`;
  return {
    rule,
    identity: { product: productId, ...(perWarehouse === undefined ? {} : { warehouse: perWarehouse }) },
    active: stock < rule.threshold,
    canResolve: true,
    value: stock,
    threshold: rule.threshold,
    window: null,
    triggerEventTime: event.time,
    summary: `Stock of ${name === undefined ? `product ${productId}` : `${name} (${productId})`}${where}: ${stock} (alerting below ${rule.threshold})`,
  };
}
