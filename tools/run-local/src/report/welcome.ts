import type { Fleet, LocalCredentials } from '@pulse/fleet';

export interface WelcomeFacts {
  fleet: Fleet;
  credentials: LocalCredentials;
  slackUrl: string;
  logDir: string;
  durationMs: number | undefined;
}

/** What to open and try, printed once the services are up. */
export function welcomeText(facts: WelcomeFacts, now: Date = new Date()): string {
  const reporting = facts.fleet.url('reporting');
  const ingestion = facts.fleet.url('ingestion');
  const alert = facts.fleet.url('alert');
  const from = new Date(now.getTime() - 5 * 60_000).toISOString().slice(0, 16) + ':00Z';
  const to = new Date(now.getTime() + 60 * 60_000).toISOString().slice(0, 16) + ':00Z';
  const auth = `-H 'Authorization: Bearer ${facts.credentials.reportingToken}'`;
  const lines = [
    '',
    'Pulse is running. Try:',
    '',
    '  Reporting API (token in the header):',
    `    curl ${auth} '${reporting}/v1/reports/sales?from=${from}&to=${to}&interval=1m&groupBy=category'`,
    `    curl ${auth} '${reporting}/v1/reports/sales?from=${from}&to=${to}&interval=1m&groupBy=category,region'`,
    `    curl ${auth} '${reporting}/v1/reports/top-products?from=${from}&to=${to}'`,
    `    curl ${auth} '${reporting}/v1/reports/funnel?from=${from}&to=${to}'`,
    `    curl ${auth} '${reporting}/v1/alerts'`,
    '',
    '  Alert API (write token: silences; it reads too):',
    `    curl -H 'Authorization: Bearer ${facts.credentials.alertToken}' '${alert}/v1/alerts/active'`,
    `    curl -H 'Authorization: Bearer ${facts.credentials.alertToken}' -H 'content-type: application/json' ${alert}/v1/silences \\`,
    `      -d '{"matchers":[{"name":"severity","value":"warning"}],"duration":"1h","createdBy":"me","comment":"trying silences"}'`,
    '',
    '  Send an event yourself (API key in the header):',
    `    curl -H 'x-api-key: ${facts.credentials.apiKey}' -H 'content-type: application/json' ${ingestion}/v1/events \\`,
    `      -d '{"type":"com.pulse.product.viewed.v1","source":"curl","time":"${now.toISOString()}","data":{"productId":"any"}}'`,
    '',
    '  API docs:  ' + facts.fleet.members.map((member) => `${member.url}/docs`).join('  '),
    '  Metrics:   ' + facts.fleet.members.map((member) => `${member.url}/metrics`).join('  '),
    `  Slack messages received: ${new URL('/messages', facts.slackUrl).toString()}`,
    `  Logs: ${facts.logDir}/<service>.log, loadgen.log`,
    '',
    facts.durationMs === undefined
      ? 'Ctrl-C stops everything this command started.'
      : `Runs for ${Math.round(facts.durationMs / 1000)} s, then checks the reporting API against what was sent.`,
    '',
  ];
  return lines.join('\n');
}

export function printWelcome(stream: NodeJS.WriteStream, facts: WelcomeFacts): void {
  stream.write(`${welcomeText(facts)}\n`);
}
