import { safeParseWith } from '../events/validation';
import { customerSchema, productSchema } from './reference';

describe('reference data', () => {
  const product = {
    id: ' sku-1 ',
    name: 'Wool socks',
    category: ' Apparel ',
    price: 12.5,
    currency: 'eur',
    stock: 3,
  };

  it('normalises a product: trimmed id, lower-case category, upper-case currency, tags by default', () => {
    expect(safeParseWith(productSchema, { ...product, supplier: 'acme' })).toEqual({
      ok: true,
      value: {
        id: 'sku-1',
        name: 'Wool socks',
        category: 'apparel',
        price: 12.5,
        currency: 'EUR',
        tags: [],
        stock: 3,
        supplier: 'acme',
      },
    });
  });

  it('rejects a product with a negative price or fractional stock, naming the fields', () => {
    expect(safeParseWith(productSchema, { ...product, price: -1, stock: 1.5 })).toEqual({
      ok: false,
      issues: [
        { path: 'price', message: 'must not be negative' },
        { path: 'stock', message: 'Invalid input: expected int, received number' },
      ],
    });
  });

  it('normalises a customer and requires an RFC 3339 sign-up time', () => {
    const customer = { id: 'c-1', segment: 'VIP', signupTime: '2025-01-01T00:00:00Z', country: 'jp' };
    expect(safeParseWith(customerSchema, customer)).toEqual({
      ok: true,
      value: { id: 'c-1', segment: 'vip', signupTime: '2025-01-01T00:00:00Z', country: 'JP' },
    });
    expect(safeParseWith(customerSchema, { ...customer, signupTime: '2025-01-01' })).toEqual({
      ok: false,
      issues: [{ path: 'signupTime', message: 'must be an RFC 3339 timestamp with a time zone' }],
    });
  });
});
