export { ManagedProcess, killLiveProcesses, tailOf } from './processes/managed-process';
export type { ProcessExit, ProcessSpec } from './processes/managed-process';
export { LauncherAlreadyRunningError, PidRegistry } from './processes/pid-registry';
export type { PidRecord } from './processes/pid-registry';
export { NotReadyError, waitUntilReady } from './processes/readiness';
export {
  DEFAULT_SERVICE_PORTS,
  Fleet,
  GLIBC_TUNABLES,
  LOCAL_SEMI_SPACE_MIB,
  SERVICE_NAMES,
  serviceEntryPoint,
  startService,
} from './processes/fleet';
export type {
  FleetMember,
  FleetOptions,
  ServiceInstance,
  ServiceLaunch,
  ServiceName,
  ServiceOverrides,
} from './processes/fleet';
export { freePort } from './processes/free-port';
export { stopOnInterrupt } from './processes/interrupt';
export type { InterruptOptions } from './processes/interrupt';
export { SlackReceiver, textOf } from './slack/slack-receiver';
export type {
  ScriptedAnswer,
  SlackDeliveryAttempt,
  SlackMessage,
  SlackReceiverOptions,
} from './slack/slack-receiver';
export { parsePrometheusText, scrapeMetrics, sumOf } from './metrics/prometheus-text';
export type { Sample } from './metrics/prometheus-text';
export {
  TRUTH_GROUPINGS,
  groundTruthCellSchema,
  groundTruthSchema,
  parseGroundTruth,
  windowFiguresSchema,
} from './ground-truth/ground-truth';
export type { GroundTruth, GroundTruthCell, TruthGrouping, WindowFigures } from './ground-truth/ground-truth';
export { ratePerSecond, readFleetFigures } from './metrics/fleet-monitor';
export type { FleetFigures, MonitoredService, ServiceFigures } from './metrics/fleet-monitor';
export { ensureLocalCredentials, sha256Hex } from './credentials/local-credentials';
export type { LocalCredentials } from './credentials/local-credentials';
export { CommandFailedError, runCommand } from './processes/run-command';
export type { CommandResult } from './processes/run-command';
export { LoadgenProcess } from './loadgen/loadgen-process';
export type { LoadgenRun } from './loadgen/loadgen-process';
export { waitForQuiet } from './metrics/wait-for-quiet';
export { compareCells, reconcileOnce, reconcileWithReporting, unfinished } from './reporting/reconcile';
export type { ReconcileOptions, ReconcileResult } from './reporting/reconcile';
export { fetchSalesCells, intervalLabel } from './reporting/reporting-client';
export type { ReportedCell, ReportingQuery } from './reporting/reporting-client';
export { findRepoRoot } from './repo/repo-root';
