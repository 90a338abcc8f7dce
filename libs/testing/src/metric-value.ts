import { scrapeMetrics, sumOf } from '@pulse/fleet';

/** A counter or gauge of a service, summed over the samples whose labels include `where`. */
export async function metricValue(
  serviceUrl: string,
  name: string,
  where: Readonly<Record<string, string>> = {},
): Promise<number> {
  return sumOf(await scrapeMetrics(`${serviceUrl}/metrics`), name, where);
}
