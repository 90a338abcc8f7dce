import { join } from 'node:path';
import { benchCompression } from '../infra/compression';
import { runCommand } from '@pulse/fleet';
import { CpuWindow, reapedChildrenCpuMs } from '../proc/process-meter';
import type { CeilingRun, MachineLoad } from '../report/results';
import { cellNames, type RunContext } from '../run-context';
import { parseConsumerPerf, parseProducerPerf } from './perf-tool-output';

/** Partitions of the ceiling topic: as many as the Pulse topics (operator CLI default). */
const PARTITIONS = 6;

async function timedTool(
  context: RunContext,
  args: string[],
): Promise<{ output: string; toolCpuMs: number; brokerCpuMs: number; machine: MachineLoad }> {
  const broker = new CpuWindow(context.stackProcesses.filter((process) => process.role === 'broker'));
  const childrenBefore = reapedChildrenCpuMs();
  const result = await runCommand(
    'bash',
    [join(context.repoRoot, 'deploy/local/kafka.sh'), 'tool', ...args],
    {
      cwd: context.repoRoot,
    },
  );
  // The tool's JVM is our child (kafka.sh execs java): its whole CPU time shows up in our
  // reaped-children counters once it has exited.
  const toolCpuMs = reapedChildrenCpuMs() - childrenBefore;
  const brokerCpuMs = broker.stop().reduce((sum, reading) => sum + reading.cpuMs, 0);
  return { output: result.output, toolCpuMs, brokerCpuMs, machine: broker.machine(toolCpuMs + brokerCpuMs) };
}

/**
 * The ceiling: Kafka's own perf tools, from the same jars as the broker, writing and reading
 * records of the same size and content as Pulse's enriched events (real ones, as payloads),
 * acks=all and the compression Pulse's producer uses.
 */
export async function runKafkaCeiling(context: RunContext, repetition: number): Promise<CeilingRun> {
  const names = cellNames(context, 'kafka', repetition);
  const topic = `${names.topicPrefix}ceiling`;
  const brokers = context.options.brokers.join(',');
  const records = context.options.perfRecords;
  await context.kafka.createTopic(topic, PARTITIONS);
  try {
    const produced = await timedTool(context, [
      'producer-perf',
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--payload-file',
      context.enrichedPayloadFile,
      '--throughput',
      '-1',
      '--bootstrap-server',
      brokers,
      '--command-property',
      'acks=all',
      'enable.idempotence=true',
      // The codec Pulse's services use in this run: the ceiling pays what Pulse pays.
      `compression.type=${benchCompression(context.options)}`,
    ]);
    const consumed = await timedTool(context, [
      'consumer-perf',
      '--bootstrap-server',
      brokers,
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--group',
      `${names.groupPrefix}-consumer-perf`,
      '--timeout',
      '120000',
    ]);
    const producer = parseProducerPerf(produced.output);
    const consumer = parseConsumerPerf(consumed.output);
    const per1000 = (cpuMs: number) => (cpuMs * 1000) / records;
    return {
      kind: 'ceiling',
      cell: 'kafka',
      repetition,
      records,
      recordBytes: context.enrichedMeanBytes,
      produce: {
        recordsPerSecond: producer.recordsPerSecond,
        mbPerSecond: producer.mbPerSecond,
        p99LatencyMs: producer.p99LatencyMs,
      },
      consume: {
        recordsPerSecond: consumer.recordsPerSecond,
        mbPerSecond: consumer.mbPerSecond,
        fetchRecordsPerSecond: consumer.fetchRecordsPerSecond,
      },
      cpuMsPer1000: {
        producerTool: per1000(produced.toolCpuMs),
        consumerTool: per1000(consumed.toolCpuMs),
        brokerWhileProducing: per1000(produced.brokerCpuMs),
        brokerWhileConsuming: per1000(consumed.brokerCpuMs),
      },
      machine: { producing: produced.machine, consuming: consumed.machine },
      notes: [],
    };
  } finally {
    if (!context.options.keep) {
      await context.kafka.deleteTopicsWithPrefix(names.topicPrefix);
      await context.kafka.deleteGroupsWithPrefix(names.groupPrefix);
    }
  }
}
