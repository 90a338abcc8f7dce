import { z } from 'zod';
import {
  EventType,
  cartItemAddedDataSchema,
  inventoryLevelChangedDataSchema,
  orderPlacedDataSchema,
  productViewedDataSchema,
} from './event-types';
import { countryCode, identifier, rfc3339 } from './primitives';

/**
 * CloudEvents 1.0 structured-mode attributes shared by every Pulse event.
 * Extension attributes are lower-case per the spec; unknown extra attributes are kept.
 */
const envelopeShape = {
  specversion: z.literal('1.0', { message: 'must be "1.0"' }),
  id: identifier.max(256),
  source: z.string().trim().min(1, 'must not be empty').max(512),
  time: rfc3339,
  datacontenttype: z.literal('application/json').default('application/json'),
  subject: z.string().max(256).optional(),
  /** Extension: the customer the event belongs to; the partition key. */
  customerid: identifier.optional(),
  /** Extension: anonymous browsing session, used as the key when there is no customer. */
  sessionid: identifier.optional(),
  /** Extension: ISO country of the shopper, if the client knows it. */
  country: countryCode.optional(),
  /** Extension: client IP address, used for geo lookup when no country is given. */
  clientip: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address' }).optional(),
  /** Extension: stamped by ingestion when it accepted the event. */
  ingestedat: rfc3339.optional(),
};

const orderPlacedEvent = z.looseObject({
  ...envelopeShape,
  type: z.literal(EventType.OrderPlaced),
  customerid: identifier,
  data: orderPlacedDataSchema,
});
const productViewedEvent = z.looseObject({
  ...envelopeShape,
  type: z.literal(EventType.ProductViewed),
  data: productViewedDataSchema,
});
const cartItemAddedEvent = z.looseObject({
  ...envelopeShape,
  type: z.literal(EventType.CartItemAdded),
  data: cartItemAddedDataSchema,
});
const inventoryLevelChangedEvent = z.looseObject({
  ...envelopeShape,
  type: z.literal(EventType.InventoryLevelChanged),
  data: inventoryLevelChangedDataSchema,
});

/** A validated, normalised event as it travels on `events.raw`. */
export const pulseEventSchema = z.discriminatedUnion('type', [
  orderPlacedEvent,
  productViewedEvent,
  cartItemAddedEvent,
  inventoryLevelChangedEvent,
]);
export type PulseEvent = z.infer<typeof pulseEventSchema>;
export type OrderPlacedEvent = z.infer<typeof orderPlacedEvent>;
export type ProductViewedEvent = z.infer<typeof productViewedEvent>;
export type CartItemAddedEvent = z.infer<typeof cartItemAddedEvent>;
export type InventoryLevelChangedEvent = z.infer<typeof inventoryLevelChangedEvent>;

/**
 * What a client may send: like PulseEvent but `id` and `specversion` may be left out
 * (ingestion fills them in) — everything else is validated the same way.
 */
export const incomingEventSchema = z.preprocess((input) => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const event = input as Record<string, unknown>;
  return { specversion: '1.0', ...event };
}, pulseEventSchema);

/** The partition key of an event: its customer, else its session, else its product. */
export function partitionKeyOf(event: PulseEvent): string {
  if (event.customerid !== undefined) return event.customerid;
  if (event.sessionid !== undefined) return event.sessionid;
  return event.type === EventType.OrderPlaced ? event.id : event.data.productId;
}
