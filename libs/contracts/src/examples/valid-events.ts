import { EventType } from '../events/event-types';

/**
 * Events a client may send and `events.raw` accepts, as they arrive on the wire (not yet
 * normalised: padded strings, lower-case codes and unknown extra fields are part of the point).
 * `partitionKey` is what `partitionKeyOf` must give for the event after validation.
 */
export interface ValidExample {
  name: string;
  event: Record<string, unknown>;
  partitionKey: string;
}

export const orderLine = { productId: 'sku-1', quantity: 1, unitPrice: 19.99 };

export const orderPlacedMinimal = {
  specversion: '1.0',
  id: 'evt-order-0001',
  source: '/shop/web',
  type: EventType.OrderPlaced,
  time: '2026-11-24T10:15:30Z',
  customerid: 'cust-42',
  data: {
    orderId: 'order-9001',
    currency: 'EUR',
    lines: [orderLine],
  },
};

/** Every optional attribute, padded and lower-case values to normalise, and unknown fields at each level. */
export const orderPlacedWithExtensions = {
  specversion: '1.0',
  id: '  evt-order-0002  ',
  source: '  /shop/mobile ',
  type: EventType.OrderPlaced,
  time: '2026-11-24T12:15:30.123+02:00',
  datacontenttype: 'application/json',
  subject: 'order-9002',
  customerid: ' cust-7 ',
  sessionid: 'sess-abc',
  country: ' de ',
  clientip: '2001:db8::1',
  ingestedat: '2026-11-24T10:15:31.004Z',
  campaign: { utm: 'winter-sale' },
  data: {
    orderId: 'order-9002',
    currency: ' usd ',
    coupon: 'WINTER10',
    lines: [
      { productId: 'sku-1', quantity: 2, unitPrice: 19.99, giftWrap: true },
      { productId: 'sku-2', quantity: 1, unitPrice: 0 },
    ],
  },
};

export const productViewedAnonymous = {
  specversion: '1.0',
  id: 'evt-view-0001',
  source: '/shop/web',
  type: EventType.ProductViewed,
  time: '2026-11-24T10:16:00-05:00',
  sessionid: 'sess-anon-1',
  clientip: '203.0.113.7',
  data: { productId: 'sku-3', referrer: 'search' },
};

export const productViewedByCustomer = {
  specversion: '1.0',
  id: 'evt-view-0002',
  source: '/shop/web',
  type: EventType.ProductViewed,
  time: '2026-11-24T10:16:05Z',
  customerid: 'cust-42',
  sessionid: 'sess-42',
  country: 'fr',
  data: { productId: 'sku-3' },
};

export const cartItemAdded = {
  specversion: '1.0',
  id: 'evt-cart-0001',
  source: '/shop/web',
  type: EventType.CartItemAdded,
  time: '2026-11-24T10:17:00Z',
  customerid: 'cust-42',
  data: { productId: 'sku-3', quantity: 3 },
};

export const inventoryLevelChanged = {
  specversion: '1.0',
  id: 'evt-stock-0001',
  source: '/warehouse/berlin',
  type: EventType.InventoryLevelChanged,
  time: '2026-11-24T10:18:00Z',
  data: { productId: 'sku-3', stock: 0, warehouse: 'ber-1' },
};

export const inventoryLevelChangedNoWarehouse = {
  specversion: '1.0',
  id: 'evt-stock-0002',
  source: '/warehouse/erp',
  type: EventType.InventoryLevelChanged,
  time: '2026-11-24T10:18:30Z',
  data: { productId: 'sku-4', stock: 125 },
};

export const VALID_EVENTS: readonly ValidExample[] = [
  { name: 'order placed, minimal', event: orderPlacedMinimal, partitionKey: 'cust-42' },
  {
    name: 'order placed, with extensions and unknown fields',
    event: orderPlacedWithExtensions,
    partitionKey: 'cust-7',
  },
  {
    name: 'product viewed by an anonymous session',
    event: productViewedAnonymous,
    partitionKey: 'sess-anon-1',
  },
  { name: 'product viewed by a customer', event: productViewedByCustomer, partitionKey: 'cust-42' },
  { name: 'cart item added', event: cartItemAdded, partitionKey: 'cust-42' },
  { name: 'inventory level changed', event: inventoryLevelChanged, partitionKey: 'sku-3' },
  {
    name: 'inventory level changed, no warehouse',
    event: inventoryLevelChangedNoWarehouse,
    partitionKey: 'sku-4',
  },
];
