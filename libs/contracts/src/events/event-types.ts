import { z } from 'zod';
import { countryCode, currencyCode, identifier, money, positiveQuantity } from './primitives';

/**
 * Event type names follow the CloudEvents reverse-DNS convention; the version suffix
 * changes on a breaking change, so old and new producers can coexist.
 */
export const EventType = {
  OrderPlaced: 'com.pulse.order.placed.v1',
  ProductViewed: 'com.pulse.product.viewed.v1',
  CartItemAdded: 'com.pulse.cart.item_added.v1',
  InventoryLevelChanged: 'com.pulse.inventory.level_changed.v1',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPES = Object.values(EventType) as [EventType, ...EventType[]];

export const orderLineSchema = z.looseObject({
  productId: identifier,
  quantity: positiveQuantity,
  unitPrice: money,
});

export const orderPlacedDataSchema = z.looseObject({
  orderId: identifier,
  currency: currencyCode,
  lines: z.array(orderLineSchema).min(1, 'an order needs at least one line').max(500, 'at most 500 lines'),
});

export const productViewedDataSchema = z.looseObject({
  productId: identifier,
});

export const cartItemAddedDataSchema = z.looseObject({
  productId: identifier,
  quantity: positiveQuantity,
});

export const inventoryLevelChangedDataSchema = z.looseObject({
  productId: identifier,
  stock: z.number().int('must be a whole number').nonnegative('must not be negative'),
  warehouse: identifier.optional(),
});

export type OrderLine = z.infer<typeof orderLineSchema>;
export type OrderPlacedData = z.infer<typeof orderPlacedDataSchema>;
export type ProductViewedData = z.infer<typeof productViewedDataSchema>;
export type CartItemAddedData = z.infer<typeof cartItemAddedDataSchema>;
export type InventoryLevelChangedData = z.infer<typeof inventoryLevelChangedDataSchema>;

export const dataSchemaByType = {
  [EventType.OrderPlaced]: orderPlacedDataSchema,
  [EventType.ProductViewed]: productViewedDataSchema,
  [EventType.CartItemAdded]: cartItemAddedDataSchema,
  [EventType.InventoryLevelChanged]: inventoryLevelChangedDataSchema,
} as const;

export { countryCode };
