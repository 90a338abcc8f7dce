import type { ValidationIssue } from '../events/validation';
import {
  cartItemAdded,
  inventoryLevelChanged,
  orderLine,
  orderPlacedMinimal,
  productViewedAnonymous,
} from './valid-events';

/** An event the contract rejects, with exactly the issues (path and message) it must report. */
export interface InvalidExample {
  name: string;
  event: unknown;
  issues: ValidationIssue[];
}

const order = orderPlacedMinimal;
const line = orderLine;
const withoutKey = <T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> => {
  const { [key]: _removed, ...rest } = value;
  return rest;
};

export const INVALID_EVENTS: readonly InvalidExample[] = [
  {
    name: 'order line with quantity 0',
    event: { ...order, data: { ...order.data, lines: [{ ...line, quantity: 0 }] } },
    issues: [{ path: 'data.lines[0].quantity', message: 'must be greater than 0' }],
  },
  {
    name: 'fractional quantity on the second line',
    event: { ...order, data: { ...order.data, lines: [line, { ...line, quantity: 1.5 }] } },
    issues: [{ path: 'data.lines[1].quantity', message: 'must be a whole number' }],
  },
  {
    name: 'quantity given as a string',
    event: { ...order, data: { ...order.data, lines: [{ ...line, quantity: '2' }] } },
    issues: [{ path: 'data.lines[0].quantity', message: 'Invalid input: expected number, received string' }],
  },
  {
    name: 'negative unit price',
    event: { ...order, data: { ...order.data, lines: [{ ...line, unitPrice: -0.01 }] } },
    issues: [{ path: 'data.lines[0].unitPrice', message: 'must not be negative' }],
  },
  {
    name: 'order without lines',
    event: { ...order, data: { ...order.data, lines: [] } },
    issues: [{ path: 'data.lines', message: 'an order needs at least one line' }],
  },
  {
    name: 'currency that is not an ISO 4217 code',
    event: { ...order, data: { ...order.data, currency: 'EURO' } },
    issues: [{ path: 'data.currency', message: 'must be an ISO 4217 code such as USD' }],
  },
  {
    // Three letters are not enough: each made-up currency would be more series in every grouping.
    name: 'currency code that is well formed but of no currency in use',
    event: { ...order, data: { ...order.data, currency: 'ZZQ' } },
    issues: [
      { path: 'data.currency', message: 'must be the ISO 4217 code of a currency in use, such as USD' },
    ],
  },
  {
    name: 'order without a customer',
    event: withoutKey(order, 'customerid'),
    issues: [{ path: 'customerid', message: 'Invalid input: expected string, received undefined' }],
  },
  {
    name: 'time without a time zone',
    event: { ...order, time: '2026-11-24T10:15:30' },
    issues: [{ path: 'time', message: 'must be an RFC 3339 timestamp with a time zone' }],
  },
  {
    name: 'time that is not a timestamp',
    event: { ...order, time: 'yesterday' },
    issues: [{ path: 'time', message: 'must be an RFC 3339 timestamp with a time zone' }],
  },
  {
    name: 'unknown event type',
    event: { ...order, type: 'com.pulse.order.refunded.v1' },
    issues: [{ path: 'type', message: 'unknown event type' }],
  },
  {
    name: 'missing event type',
    event: withoutKey(order, 'type'),
    issues: [{ path: 'type', message: 'unknown event type' }],
  },
  {
    name: 'CloudEvents version other than 1.0',
    event: { ...order, specversion: '0.3' },
    issues: [{ path: 'specversion', message: 'must be "1.0"' }],
  },
  {
    name: 'blank id',
    event: { ...order, id: '   ' },
    issues: [{ path: 'id', message: 'must not be empty' }],
  },
  {
    name: 'id longer than 128 characters',
    event: { ...order, id: 'x'.repeat(129) },
    issues: [{ path: 'id', message: 'must be at most 128 characters' }],
  },
  {
    name: 'blank source',
    event: { ...order, source: ' ' },
    issues: [{ path: 'source', message: 'must not be empty' }],
  },
  {
    name: 'country given as alpha-3',
    event: { ...productViewedAnonymous, country: 'DEU' },
    issues: [{ path: 'country', message: 'must be an ISO 3166-1 alpha-2 code such as DE' }],
  },
  {
    name: 'client ip that is no address',
    event: { ...productViewedAnonymous, clientip: '10.0.0' },
    issues: [{ path: 'clientip', message: 'must be an IPv4 or IPv6 address' }],
  },
  {
    name: 'product view without data',
    event: withoutKey(productViewedAnonymous, 'data'),
    issues: [{ path: 'data', message: 'Invalid input: expected object, received undefined' }],
  },
  {
    name: 'cart add without quantity',
    event: { ...cartItemAdded, data: { productId: 'sku-3' } },
    issues: [{ path: 'data.quantity', message: 'Invalid input: expected number, received undefined' }],
  },
  {
    name: 'negative stock',
    event: { ...inventoryLevelChanged, data: { ...inventoryLevelChanged.data, stock: -1 } },
    issues: [{ path: 'data.stock', message: 'must not be negative' }],
  },
  {
    name: 'several problems at once are all reported',
    event: {
      ...order,
      time: '24.11.2026',
      data: { ...order.data, currency: 'us', lines: [{ productId: '', quantity: 0, unitPrice: 1 }] },
    },
    issues: [
      { path: 'time', message: 'must be an RFC 3339 timestamp with a time zone' },
      { path: 'data.currency', message: 'must be an ISO 4217 code such as USD' },
      { path: 'data.lines[0].productId', message: 'must not be empty' },
      { path: 'data.lines[0].quantity', message: 'must be greater than 0' },
    ],
  },
  {
    name: 'a JSON array instead of an object',
    event: [order],
    issues: [{ path: '(root)', message: 'Invalid input: expected object, received array' }],
  },
];
