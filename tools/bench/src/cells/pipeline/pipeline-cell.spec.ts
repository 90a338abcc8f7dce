import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDLE_SETTLE_MS, restAfterDrainMs, warmUpRate } from './pipeline-cell';

describe('warmUpRate', () => {
  it('is half the first rate of the ladder', () => {
    expect(warmUpRate([10_000, 15_000, 20_000])).toBe(5_000);
    expect(warmUpRate([2_001])).toBe(1_001);
  });

  it('never falls below 50 events/s', () => {
    expect(warmUpRate([60])).toBe(50);
    expect(warmUpRate([])).toBe(50);
  });
});

describe('restAfterDrainMs', () => {
  const repoRoot = join(__dirname, '..', '..', '..', '..', '..');

  it("outlasts the services' quiet period by two CPU samples and a margin", () => {
    expect(restAfterDrainMs(repoRoot, { PULSE_IDLE_MEMORY_RELEASE: '30s' })).toBe(42_000);
    expect(restAfterDrainMs(repoRoot, { PULSE_IDLE_MEMORY_RELEASE: '1m' })).toBe(72_000);
  });

  it('takes the quiet period from the documented default when the run does not set it', () => {
    const documented = /^\| `PULSE_IDLE_MEMORY_RELEASE` \| `30s` \|/m.test(
      readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8'),
    );
    expect(documented).toBe(true);
    expect(restAfterDrainMs(repoRoot, {})).toBe(42_000);
  });

  it('rests the plain settling time when releases are off', () => {
    expect(restAfterDrainMs(repoRoot, { PULSE_IDLE_MEMORY_RELEASE: '0s' })).toBe(IDLE_SETTLE_MS);
  });
});
