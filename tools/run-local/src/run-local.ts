import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_SERVICE_PORTS,
  Fleet,
  LoadgenProcess,
  PidRegistry,
  SlackReceiver,
  ensureLocalCredentials,
  readFleetFigures,
  reconcileWithReporting,
  waitForQuiet,
  type FleetFigures,
  type FleetMember,
  type GroundTruth,
  type LocalCredentials,
  type ReconcileResult,
  type SlackMessage,
} from '@pulse/fleet';
import type { RunPaths } from './paths';
import { printFinalReport, type FinalFigures } from './report/final-report';
import { printWelcome } from './report/welcome';
import { ensureStack, type StackSession } from './steps/local-stack';
import { OperatorCli } from './steps/operator-cli';
import { planTraffic, trafficArgs } from './steps/traffic-plan';
import { LiveScreen } from './summary/live-screen';
import { renderSummary, renderSummaryLine, type SummaryState } from './summary/render-summary';
import { alertsFired, fleetTotal, stageLines } from './summary/stage-figures';

export interface RunLocalOptions {
  /** undefined: until Ctrl-C. */
  durationMs: number | undefined;
  scenario: string;
  rate: number;
  seed: number;
  /** Leave the local stack running at the end even if this run started it. */
  keepStack: boolean;
  /** Do not touch the stack (it is provided elsewhere, PULSE_KAFKA_BROKERS etc. point at it). */
  skipStack: boolean;
  slackPort: number;
  /** After the load generator finished: how long the pipeline may take to show everything. */
  settleTimeoutMs: number;
}

export interface Output {
  /** Progress of the start-up steps. */
  step(line: string): void;
  /** Verbose output of tools (stack script), shown as it comes. */
  detail(chunk: string): void;
  stream: NodeJS.WriteStream;
}

/**
 * `npm start`: the whole of Pulse on this machine — the local stack, topics, reference data,
 * the five services as separate processes, a local Slack receiver and the load generator — with
 * a live summary, and, for a fixed duration, a final report checked against the ground truth.
 */
export class LocalRun {
  private stack: StackSession | undefined;
  private fleet: Fleet | undefined;
  private slack: SlackReceiver | undefined;
  private loadgen: LoadgenProcess | undefined;
  private credentials: LocalCredentials | undefined;
  private readonly pids: PidRegistry;
  private readonly topicPrefix: string;

  constructor(
    private readonly paths: RunPaths,
    private readonly options: RunLocalOptions,
    private readonly out: Output,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.pids = new PidRegistry(paths.pidFile);
    this.topicPrefix = env.PULSE_TOPIC_PREFIX ?? '';
  }

  /** Runs until done (fixed duration) or `signal`; returns the exit code. Always cleans up. */
  async execute(signal: AbortSignal): Promise<number> {
    try {
      await this.startAll(signal);
      if (signal.aborted) return 130;
      const truth = await this.watch(signal);
      if (!truth) return signal.aborted ? 0 : 1;
      return await this.finish(truth, signal);
    } finally {
      await this.stopAll();
      this.pids.release();
    }
  }

  private async startAll(signal: AbortSignal): Promise<void> {
    const { repoRoot } = this.paths;
    const leftovers = await this.pids.claim({
      name: 'npm start',
      pid: process.pid,
      marker: join('dist', 'tools', 'run-local', 'src', 'main.js'),
    });
    if (leftovers.length > 0) {
      this.out.step(
        `stopped ${leftovers.length} process(es) left over from an earlier run that did not end cleanly`,
      );
    }
    if (this.options.skipStack) {
      this.out.step('local stack: not managed (--skip-stack)');
    } else {
      this.out.step(
        'local stack: installing what is missing and starting Kafka, InfluxDB and NATS (deploy/local/stack.sh up)',
      );
      this.stack = await ensureStack(repoRoot, this.out.detail);
      this.out.step(
        this.stack.started.length === 0
          ? 'local stack: already running, reused'
          : `local stack: started ${this.stack.started.join(', ')}`,
      );
    }
    if (signal.aborted) return;
    const cli = new OperatorCli(repoRoot, this.env);
    this.out.step('topics: creating what is missing (pulse topics ensure)');
    await cli.ensureTopics();
    this.out.step('reference data: loading the sample products and customers (pulse reference load)');
    await cli.loadReference(
      join(repoRoot, 'deploy', 'sample-data', 'products.json'),
      join(repoRoot, 'deploy', 'sample-data', 'customers.csv'),
    );
    this.credentials = ensureLocalCredentials(this.paths.credentialsDir);
    this.slack = await SlackReceiver.start({ port: this.options.slackPort });
    if (signal.aborted) return;
    this.out.step('services: starting ingestion, enrichment, aggregation, alert and reporting');
    this.fleet = await Fleet.start({
      repoRoot,
      logDir: this.paths.logDir,
      env: this.serviceEnv(this.credentials, this.slack),
      pidRegistry: this.pids,
    });
    if (signal.aborted) return;
    const plan = planTraffic(this.env, this.paths.groundTruthFile);
    this.loadgen = LoadgenProcess.start(repoRoot, {
      scenario: this.options.scenario,
      rate: this.options.rate,
      durationMs: this.options.durationMs ?? 0,
      seed: this.options.seed,
      target: this.fleet.url('ingestion'),
      apiKey: this.credentials.apiKey,
      groundTruthFile: this.paths.groundTruthFile,
      logFile: join(this.paths.logDir, 'loadgen.log'),
      extraArgs: trafficArgs(plan),
    });
    this.pids.add({
      name: 'loadgen',
      pid: this.loadgen.process.pid,
      marker: 'dist/tools/loadgen/src/main.js',
    });
    printWelcome(this.out.stream, {
      fleet: this.fleet,
      credentials: this.credentials,
      slackUrl: this.slack.url,
      logDir: this.paths.logDir,
      durationMs: this.options.durationMs,
    });
  }

  private serviceEnv(credentials: LocalCredentials, slack: SlackReceiver): NodeJS.ProcessEnv {
    const rules = join(this.paths.repoRoot, 'deploy', 'local', 'alert-rules.yaml');
    return {
      PULSE_LOG_LEVEL: this.env.PULSE_LOG_LEVEL ?? 'info',
      PULSE_API_KEYS_FILE: credentials.apiKeysFile,
      PULSE_REPORTING_TOKENS_FILE: credentials.reportingTokensFile,
      PULSE_ALERT_WRITE_TOKENS_FILE: credentials.alertTokensFile,
      PULSE_SLACK_WEBHOOK_URL: slack.url,
      // Alerts link to the reporting query that shows them.
      PULSE_REPORTING_URL: `http://127.0.0.1:${DEFAULT_SERVICE_PORTS.reporting}`,
      ...(this.env.PULSE_ALERT_RULES_FILE === undefined && existsSync(rules)
        ? { PULSE_ALERT_RULES_FILE: rules }
        : {}),
    };
  }

  /** The live summary until the load generator is done (fixed duration) or Ctrl-C. */
  private async watch(signal: AbortSignal): Promise<GroundTruth | undefined> {
    const fleet = this.fleet as Fleet;
    const loadgen = this.loadgen as LoadgenProcess;
    const slack = this.slack as SlackReceiver;
    const screen = new LiveScreen(this.out.stream);
    const started = Date.now();
    let previous: FleetFigures | undefined;
    let lastSlack: SlackMessage | undefined;
    slack.onMessage((message) => (lastSlack = message));
    const render = async (note?: string) => {
      const current = await readFleetFigures(fleet.members, this.topicPrefix);
      const state: SummaryState = {
        elapsedMs: Date.now() - started,
        scenario: this.options.scenario,
        rate: this.options.rate,
        stages: stageLines(previous, current),
        rejected: fleetTotal(current, (service) => service.ingestion.rejected ?? 0),
        alertsFired: alertsFired(current, slack.messages.length),
        slackMessages: slack.messages.length,
        lastSlack: lastSlack && { at: lastSlack.receivedAt, text: lastSlack.text },
        loadgen: loadgen.running ? 'running' : 'finished',
        ...(note === undefined ? {} : { note }),
      };
      previous = current;
      screen.show(renderSummary(state), renderSummaryLine(state), { force: note !== undefined });
    };
    while (!signal.aborted && loadgen.running) {
      const [member] = fleet.crashed();
      if (member) {
        screen.release();
        throw crashError(member);
      }
      await render();
      await sleep(1_000, undefined, { signal }).catch(() => undefined);
    }
    if (signal.aborted) {
      await render('stopping: Ctrl-C again to quit at once');
      screen.release();
      return undefined;
    }
    await render('load generator finished: waiting for the pipeline to catch up');
    screen.release();
    return loadgen.finished();
  }

  /**
   * Waits for the pipeline to drain, checks reporting against the ground truth, prints the report.
   * Ctrl-C or a service that stops ends the waiting at once instead of after the settle timeout.
   */
  private async finish(truth: GroundTruth, signal: AbortSignal): Promise<number> {
    const fleet = this.fleet as Fleet;
    const crashed = new AbortController();
    const crashWatch = setInterval(() => {
      const [member] = fleet.crashed();
      if (member) crashed.abort(crashError(member));
    }, 500);
    const settling = AbortSignal.any([signal, crashed.signal]);
    let figures: FleetFigures;
    let check: ReconcileResult;
    try {
      figures = await waitForQuiet(fleet.members, this.topicPrefix, {
        timeoutMs: this.options.settleTimeoutMs,
        signal: settling,
      });
      check = await reconcileWithReporting({
        reportingUrl: fleet.url('reporting'),
        token: (this.credentials as LocalCredentials).reportingToken,
        truth,
        timeoutMs: this.options.settleTimeoutMs,
        signal: settling,
      });
    } finally {
      clearInterval(crashWatch);
    }
    if (crashed.signal.aborted) throw crashed.signal.reason;
    if (signal.aborted) {
      this.out.step('stopped before the pipeline had caught up: no check against the ground truth');
      return 130;
    }
    const final: FinalFigures = {
      truth,
      figures,
      alertsFired: alertsFired(figures, (this.slack as SlackReceiver).messages.length),
      slackMessages: (this.slack as SlackReceiver).messages,
      check,
    };
    printFinalReport(this.out.stream, final);
    return check.ok && truth.exact ? 0 : 1;
  }

  private async stopAll(): Promise<void> {
    if (this.loadgen?.running) {
      this.out.step('stopping the load generator');
      await this.loadgen.stop();
    }
    if (this.loadgen) this.pids.remove(this.loadgen.process.pid);
    if (this.fleet) {
      this.out.step('stopping the services (each drains and commits)');
      await this.fleet.stop();
    }
    await this.slack?.close();
    if (this.stack && !this.options.keepStack && this.stack.started.length > 0) {
      this.out.step(`stopping what this run started of the local stack: ${this.stack.started.join(', ')}`);
      await this.stack.stop();
    }
  }
}

function crashError(member: FleetMember): Error {
  return new Error(
    `${member.name} stopped unexpectedly; last lines of its log:\n${member.process.logTail()}`,
  );
}
