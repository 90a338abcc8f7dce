import { minorUnitDigits, toMajorUnits, toMinorUnits } from './money';

describe('money', () => {
  it('knows the minor unit of each currency', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('BHD')).toBe(3);
    expect(minorUnitDigits('XXY')).toBe(2);
  });

  it('converts prices to exact minor units', () => {
    expect(toMinorUnits(19.99, 'USD')).toBe(1999);
    expect(toMinorUnits(0.1 + 0.2, 'USD')).toBe(30);
    expect(toMinorUnits(1.005, 'USD')).toBe(101);
    expect(toMinorUnits(1500.4, 'JPY')).toBe(1500);
    expect(toMinorUnits(1.2345, 'BHD')).toBe(1235);
    expect(toMinorUnits(0, 'EUR')).toBe(0);
  });

  it('converts minor units back to major units', () => {
    expect(toMajorUnits(1999, 'USD')).toBe(19.99);
    expect(toMajorUnits(1500, 'JPY')).toBe(1500);
    expect(toMajorUnits(1235, 'BHD')).toBe(1.235);
  });
});
