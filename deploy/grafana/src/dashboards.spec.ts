import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expandQuery, loadDashboards, panelsOf, variablesUsed } from './dashboards';

const DATASOURCE_UID = 'pulse-influxdb';

describe('Grafana dashboards', () => {
  const dashboards = loadDashboards();

  it('has the business and the pipeline dashboard', () => {
    expect(dashboards.map(({ dashboard }) => dashboard.uid)).toEqual(['pulse-business', 'pulse-pipeline']);
  });

  it.each(dashboards.map(({ file, dashboard }) => [file, dashboard] as const))(
    '%s: every query panel uses the provisioned InfluxQL datasource and defined variables',
    (_, dashboard) => {
      const ids = panelsOf(dashboard).map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      const defined = new Set(dashboard.templating.list.map((variable) => variable.name));
      for (const panel of panelsOf(dashboard).filter((candidate) => candidate.type !== 'row')) {
        expect({ panel: panel.title, datasource: panel.datasource?.uid }).toEqual({
          panel: panel.title,
          datasource: DATASOURCE_UID,
        });
        expect(panel.targets?.length).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect({ panel: panel.title, raw: target.rawQuery, uid: target.datasource?.uid }).toEqual({
            panel: panel.title,
            raw: true,
            uid: DATASOURCE_UID,
          });
          expect(target.query).toMatch(/^SELECT .* FROM "\w+" WHERE .*\$timeFilter/);
          for (const name of variablesUsed(target.query as string))
            expect({ panel: panel.title, variable: name, defined: defined.has(name) }).toMatchObject({
              defined: true,
            });
        }
      }
    },
  );

  it('provisions the datasource the dashboards refer to, speaking InfluxQL', () => {
    const file = parse(
      readFileSync(join(__dirname, '..', 'provisioning', 'datasources', 'pulse-influxdb.yaml'), 'utf8'),
    ) as {
      datasources: { uid: string; type: string; jsonData: { version: string; dbName: string } }[];
    };
    expect(file.datasources).toEqual([
      expect.objectContaining({
        uid: DATASOURCE_UID,
        type: 'influxdb',
        jsonData: expect.objectContaining({ version: 'InfluxQL', dbName: '${PULSE_INFLUX_DATABASE}' }),
      }),
    ]);
  });

  it('expands variables, $timeFilter and intervals as Grafana does', () => {
    const query =
      'SELECT sum("x") * 1000 / $__interval_ms FROM "m" WHERE "window" = \'$window\' AND "category" =~ /^$category$/ AND ${region} = [[region]] AND $timeFilter GROUP BY time($__interval)';
    expect(
      expandQuery(query, {
        fromMs: 1,
        toMs: 2,
        intervalMs: 10_000,
        values: { window: ['1m'], category: ['books', 'a.b/c'], region: ['europe'] },
        regexVariables: new Set(['category']),
      }),
    ).toBe(
      'SELECT sum("x") * 1000 / 10000 FROM "m" WHERE "window" = \'1m\' AND "category" =~ /^(books|a\\.b\\/c)$/ AND europe = europe AND time >= 1ms and time <= 2ms GROUP BY time(10s)',
    );
  });
});
