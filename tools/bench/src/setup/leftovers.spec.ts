import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchKafka } from '../infra/bench-kafka';
import type { InfluxClient } from '@pulse/influx';
import { benchRunIdOf, liveRunIds, markRunLive, removeLeftovers } from './leftovers';

describe('bench leftovers', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pulse-bench-leftovers-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the run id from the names a cell run gives its topics, groups and databases', () => {
    expect(benchRunIdOf('bench.mwvjm8me.pulse-r1.events.raw')).toBe('mwvjm8me');
    expect(benchRunIdOf('bench-mwvjm8me-pulse-r1-enrichment')).toBe('mwvjm8me');
    expect(benchRunIdOf('bench_mwvjm8me_pulse_r1')).toBe('mwvjm8me');
    for (const name of ['events.raw', 'pulse', 'benchmark.x.y', 't_alert_mwvkvh28_16280b', 'bench.']) {
      expect(benchRunIdOf(name)).toBeUndefined();
    }
  });

  it('counts a run live only while its bench process runs', () => {
    mkdirSync(join(dir, 'running'));
    const unmark = markRunLive(join(dir, 'running'));
    mkdirSync(join(dir, 'killed'));
    // Far above any pid the kernel hands out (pid_max is at most 2^22).
    writeFileSync(join(dir, 'killed', 'bench.pid'), '999999999');
    mkdirSync(join(dir, 'older-than-pid-files'));
    expect([...liveRunIds(dir)]).toEqual(['running']);
    unmark();
    expect([...liveRunIds(dir)]).toEqual([]);
    expect([...liveRunIds(join(dir, 'missing'))]).toEqual([]);
  });

  it("deletes other runs' leftovers only, and never what is not the bench's", async () => {
    const topics = ['bench.old1.pulse-r1.events.raw', 'bench.live1.pulse-r1.events.raw', 'events.raw'];
    const groups = ['bench-old1-pulse-r1-enrichment', 'bench-live1-pulse-r1-enrichment', 'pulse-enrichment'];
    const databases = ['bench_old1_pulse_r1', 'bench_live1_pulse_r1', 'pulse'];
    const dropped: string[] = [];
    const kafka = {
      deleteTopicsWhere: async (selected: (name: string) => boolean) => topics.filter(selected),
      deleteGroupsWhere: async (selected: (name: string) => boolean) => groups.filter(selected),
    } as unknown as BenchKafka;
    const influx = {
      listDatabases: async () => databases,
      dropDatabase: async (name: string) => void dropped.push(name),
    } as unknown as InfluxClient;
    const kafkaSpy = jest.spyOn(kafka, 'deleteTopicsWhere');
    const groupSpy = jest.spyOn(kafka, 'deleteGroupsWhere');

    await expect(removeLeftovers(kafka, influx, new Set(['live1']))).resolves.toEqual({
      topics: 1,
      groups: 1,
      databases: 1,
    });
    const topicFilter = kafkaSpy.mock.calls[0]![0];
    expect(topics.filter(topicFilter)).toEqual(['bench.old1.pulse-r1.events.raw']);
    expect(groups.filter(groupSpy.mock.calls[0]![0])).toEqual(['bench-old1-pulse-r1-enrichment']);
    expect(dropped).toEqual(['bench_old1_pulse_r1']);
  });
});
