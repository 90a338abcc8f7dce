import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  checkWithPromtool,
  installedPromtool,
  metricProblems,
  registeredMetrics,
  selectorsOf,
  type RegisteredMetric,
} from '@pulse/testing';
import {
  datasourceTypeOf,
  expandPromQL,
  expandQuery,
  loadDashboards,
  panelsOf,
  variableQuery,
  variablesUsed,
  type Dashboard,
} from './dashboards';

const DATASOURCE_UID = 'pulse-influxdb';

describe('Grafana dashboards', () => {
  const dashboards = loadDashboards();
  const ofType = (type: string) =>
    dashboards
      .filter(({ dashboard }) => datasourceTypeOf(dashboard) === type)
      .map(({ file, dashboard }) => [file, dashboard] as const);

  it('has the business and the pipeline dashboard (InfluxDB), and the services dashboard (Prometheus)', () => {
    expect(dashboards.map(({ dashboard }) => [dashboard.uid, datasourceTypeOf(dashboard)])).toEqual([
      ['pulse-business', 'influxdb'],
      ['pulse-pipeline', 'influxdb'],
      ['pulse-services', 'prometheus'],
    ]);
  });

  it.each(ofType('influxdb'))(
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

  describe.each(ofType('prometheus'))('%s', (_, dashboard: Dashboard) => {
    const variables = dashboard.templating.list;
    const panels = panelsOf(dashboard).filter((panel) => panel.type !== 'row');
    const targets = panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
    /** `label_values(<selector>, <label>)` of the query variables. */
    const labelValues = variables
      .filter((variable) => variable.type === 'query')
      .map((variable) => {
        const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variableQuery(variable));
        if (!match) throw new Error(`variable ${variable.name}: not label_values(<selector>, <label>)`);
        return { variable: variable.name, selector: match[1] as string, label: match[2] as string };
      });
    const expand = (expr: string) =>
      expandPromQL(expr, { __rate_interval: '2m', __interval: '30s', __range: '1h' }, () => 'value');
    let catalogue: Map<string, RegisteredMetric>;
    beforeAll(async () => {
      catalogue = await registeredMetrics();
    });

    it('queries a Prometheus datasource the user picks, with defined variables only', () => {
      // No fixed uid: the `datasource` variable lists the Grafana's Prometheus datasources.
      expect(variables.find((variable) => variable.name === 'datasource')).toMatchObject({
        type: 'datasource',
        query: 'prometheus',
      });
      const ids = panelsOf(dashboard).map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      const defined = new Set(variables.map((variable) => variable.name));
      const prometheus = { type: 'prometheus', uid: '${datasource}' };
      for (const panel of panels) {
        expect({ panel: panel.title, datasource: panel.datasource }).toEqual({
          panel: panel.title,
          datasource: prometheus,
        });
        expect({ panel: panel.title, targets: panel.targets?.length ?? 0 }).not.toEqual({
          panel: panel.title,
          targets: 0,
        });
      }
      for (const { panel, target } of targets) {
        expect({ panel: panel.title, datasource: target.datasource, expr: typeof target.expr }).toEqual({
          panel: panel.title,
          datasource: prometheus,
          expr: 'string',
        });
      }
      for (const query of [
        ...targets.map(({ target }) => target.expr ?? ''),
        ...labelValues.map((v) => v.selector),
      ])
        for (const name of variablesUsed(query))
          expect({ query, variable: name, defined: defined.has(name) }).toMatchObject({ defined: true });
    });

    it('has PromQL that promtool parses', () => {
      const exprs = [
        ...targets.map(({ target }) => expand(target.expr ?? '')),
        ...labelValues.map((v) => expand(v.selector)),
      ];
      expect(checkWithPromtool(installedPromtool(), exprs)).toMatch(
        new RegExp(`SUCCESS: ${exprs.length} rules found`),
      );
    });

    it('reads only metrics, and labels, that Pulse services register', () => {
      // All problems at once: a renamed metric usually breaks several panels.
      const problems = targets.flatMap(({ panel, target }) =>
        metricProblems(expand(target.expr ?? ''), catalogue).map((problem) => `${panel.title}: ${problem}`),
      );
      for (const { variable, selector, label } of labelValues) {
        const [metric] = selectorsOf(expand(selector)).map((found) => found.metric);
        // The label it lists must be one the metric's series carry.
        for (const problem of [
          ...metricProblems(expand(selector), catalogue),
          ...metricProblems(`${metric}{${label}=""}`, catalogue),
        ])
          problems.push(`variable ${variable}: ${problem}`);
      }
      expect(problems).toEqual([]);
    });
  });

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
