import { ratePerSecond, type FleetFigures, type ServiceFigures } from '@pulse/fleet';

/** One row of the live summary: a service and what flows through it. */
export interface StageLine {
  name: string;
  up: boolean;
  /** Events per second since the previous reading. */
  perSecond: number;
  total: number;
  lag: number;
  deadLettered: number;
}

/** The stream each consumer stage is measured by (its other inputs are bookkeeping). */
const STAGE_INPUT: Readonly<Record<string, string>> = {
  enrichment: 'events.raw',
  aggregation: 'events.enriched',
  alert: 'events.enriched',
};

/**
 * What a stage has handled: events ingestion acknowledged, events a consumer processed from
 * its stage input, or API requests reporting answered.
 */
export function handledBy(service: ServiceFigures): number {
  if (service.name === 'ingestion') return service.ingestion.accepted ?? 0;
  if (service.name === 'reporting') {
    return service.samples
      .filter(
        (sample) => sample.name === 'pulse_http_requests_total' && sample.labels.route?.startsWith('/v1/'),
      )
      .reduce((sum, sample) => sum + sample.value, 0);
  }
  const input = STAGE_INPUT[service.name];
  if (input !== undefined) return service.processed[input] ?? 0;
  return Object.entries(service.processed)
    .filter(([topic]) => !topic.startsWith('reference.'))
    .reduce((sum, [, count]) => sum + count, 0);
}

export function stageLines(previous: FleetFigures | undefined, current: FleetFigures): StageLine[] {
  return current.services.map((service) => {
    const before = previous?.services.find((candidate) => candidate.name === service.name);
    const total = handledBy(service);
    return {
      name: service.name,
      up: service.up,
      perSecond:
        before && before.up ? ratePerSecond(handledBy(before), total, current.at - (previous?.at ?? 0)) : 0,
      total,
      lag: service.lag,
      deadLettered: service.deadLettered,
    };
  });
}

/** Sum over the fleet of one figure. */
export function fleetTotal(figures: FleetFigures, pick: (service: ServiceFigures) => number): number {
  return figures.services.reduce((sum, service) => sum + pick(service), 0);
}

/**
 * Alert state changes to `firing` as the alert service counts them; the Slack receiver's count
 * when the service does not expose the metric.
 */
export function alertsFired(figures: FleetFigures, fallback: number): number {
  const alert = figures.services.find((service) => service.name === 'alert');
  const fired = alert?.samples.filter((sample) => sample.name === ALERTS_FIRED_METRIC) ?? [];
  if (fired.length === 0) return fallback;
  return fired
    .filter((sample) => (sample.labels.state ?? 'firing') === 'firing')
    .reduce((sum, s) => sum + s.value, 0);
}

export const ALERTS_FIRED_METRIC = 'pulse_alert_transitions_total';
