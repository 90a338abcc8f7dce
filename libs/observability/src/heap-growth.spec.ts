import { setFlagsFromString } from 'node:v8';
import { applyHeapGrowth } from './heap-growth';

jest.mock('node:v8', () => ({ setFlagsFromString: jest.fn() }));

describe('applyHeapGrowth', () => {
  beforeEach(() => jest.mocked(setFlagsFromString).mockClear());

  it("sets V8's old-generation growing factor at run time", () => {
    applyHeapGrowth(100);
    expect(setFlagsFromString).toHaveBeenCalledWith('--heap-growing-percent=100');
  });

  it("leaves V8's own heuristic alone at 0", () => {
    applyHeapGrowth(0);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
