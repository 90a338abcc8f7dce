import { waitForQuiet, type MonitoredService } from '@pulse/fleet';
import { waitFor } from './stack';

/** A running deployment as `waitUntilSettled` sees it (`TestDeployment`, the images suite's containers). */
export interface SettlingDeployment {
  monitored(): MonitoredService[];
  readonly topics: { readonly prefix: string };
}

/**
 * Waits until the deployment has nothing left to do: every service ready (its consumers in their
 * group — a consumer still rejoining after an outage reports no lag, so lag alone is not
 * enough), then no consumer lag and no counter moving for a few readings, then still ready.
 */
export async function waitUntilSettled(
  deployment: SettlingDeployment,
  { timeoutMs = 90_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const allReady = () =>
    waitFor(
      'every service ready',
      async () => {
        const ready = await Promise.all(
          deployment.monitored().map(async ({ url }) => {
            const answer = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
            await answer.body?.cancel();
            return answer.ok;
          }),
        );
        return ready.every(Boolean);
      },
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 500 },
    );
  await allReady();
  const figures = await waitForQuiet(deployment.monitored(), deployment.topics.prefix, {
    timeoutMs: Math.max(1_000, deadline - Date.now()),
  });
  const busy = figures.services.filter((service) => !service.up || service.lag > 0);
  if (busy.length > 0) {
    throw new Error(
      `not settled after ${timeoutMs} ms: ${busy.map((s) => `${s.name} up=${s.up} lag=${s.lag}`).join(', ')}`,
    );
  }
  await allReady();
}
