/** One series of an InfluxQL answer. */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface QueryAnswer {
  results?: { series?: InfluxSeries[]; error?: string }[];
  error?: string;
}

/**
 * InfluxQL over HTTP (`/query`), which InfluxDB 1.x, 2.x (DBRP) and 3.x all answer: databases
 * per cell run, and the reads the harness checks results with.
 */
export class InfluxQl {
  constructor(private readonly baseUrl: string) {}

  async createDatabase(name: string): Promise<void> {
    await this.run(`CREATE DATABASE ${quoteIdentifier(name)}`);
  }

  async dropDatabase(name: string): Promise<void> {
    await this.run(`DROP DATABASE ${quoteIdentifier(name)}`);
  }

  async listDatabases(): Promise<string[]> {
    const answer = await this.run('SHOW DATABASES');
    return (answer.results?.[0]?.series?.[0]?.values ?? []).map((row) => String(row[0]));
  }

  async query(database: string, influxQl: string): Promise<InfluxSeries[]> {
    const answer = await this.run(influxQl, database);
    return answer.results?.flatMap((result) => result.series ?? []) ?? [];
  }

  private async run(influxQl: string, database?: string): Promise<QueryAnswer> {
    const body = new URLSearchParams({ q: influxQl, epoch: 'ms' });
    if (database !== undefined) body.set('db', database);
    const response = await fetch(`${this.baseUrl.replace(/\/$/, '')}/query`, {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await response.json()) as QueryAnswer;
    const error = answer.error ?? answer.results?.find((result) => result.error !== undefined)?.error;
    if (!response.ok || error !== undefined) {
      throw new Error(`InfluxDB answered HTTP ${response.status} to "${influxQl}": ${error ?? 'no details'}`);
    }
    return answer;
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
