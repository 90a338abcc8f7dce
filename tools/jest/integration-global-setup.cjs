'use strict';
// Jest globalSetup for integration suites: makes sure the local stack (Kafka, InfluxDB, NATS on
// 127.0.0.1; see deploy/local/README.md) is up before any test runs.
//
// - Runs `bash deploy/local/stack.sh up`, which is idempotent: it reuses whatever is already
//   healthy and serialises concurrent callers with a lock, so parallel Jest runs are fine.
// - PULSE_STACK_EXTERNAL=1 skips it (the stack is provided by someone else, e.g. another host).
// - Then removes the topics, consumer groups and databases that killed test runs left behind
//   (tools/workspace/test-leftovers.cjs: only those older than any test could be, so concurrent runs are safe).
// - There is deliberately no teardown: later suites reuse the running stack, CI machines are
//   discarded, and `deploy/local/stack.sh down` stops it by hand.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { removeTestLeftovers } = require('../workspace/test-leftovers.cjs');

const repoRoot = path.resolve(__dirname, '..', '..');
const stackScript = path.join(repoRoot, 'deploy', 'local', 'stack.sh');

module.exports = async function integrationGlobalSetup() {
  if (process.env.PULSE_STACK_EXTERNAL === '1') {
    process.stderr.write('[pulse-stack] PULSE_STACK_EXTERNAL=1: not starting the local stack\n');
  } else {
    await startLocalStack();
  }
  await removeLeftovers();
};

async function removeLeftovers() {
  const removed = await removeTestLeftovers({
    brokers: (process.env.PULSE_KAFKA_BROKERS || '127.0.0.1:9092').split(','),
    influxUrl: process.env.PULSE_INFLUX_URL || 'http://127.0.0.1:8086',
    // The v2-API InfluxDB (deploy/local/influxdb18.sh), when a suite has started it.
    optionalInfluxUrls: [
      process.env.PULSE_INFLUXDB18_URL || `http://127.0.0.1:${process.env.PULSE_INFLUXDB18_PORT || '8186'}`,
    ],
  });
  if (removed.topics + removed.groups + removed.databases > 0) {
    process.stderr.write(
      `[pulse-stack] removed what killed test runs left: ${removed.topics} topics, ` +
        `${removed.groups} consumer groups, ${removed.databases} databases\n`,
    );
  }
  // Leftovers only cost the broker some background work; they never fail a test run.
  for (const error of removed.errors) {
    process.stderr.write(`[pulse-stack] could not remove all test leftovers: ${error}\n`);
  }
}

async function startLocalStack() {
  const started = Date.now();
  const { code, signal } = await new Promise((resolve, reject) => {
    const child = spawn('bash', [stackScript, 'up'], { cwd: repoRoot, stdio: 'inherit', env: process.env });
    child.on('error', (err) => reject(new Error(`could not run ${stackScript}: ${err.message}`)));
    child.on('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
  });
  if (code !== 0) {
    throw new Error(
      `local stack failed to start: \`bash deploy/local/stack.sh up\` ${
        signal ? `was killed by ${signal}` : `exited with code ${code}`
      } after ${Date.now() - started} ms (its messages are above; component logs are in ` +
        `${process.env.PULSE_STACK_DIR || path.join(repoRoot, '.pulse-stack')}/logs)`,
    );
  }
}
