export { startTelemetry } from './start-telemetry';
export type { TelemetryHandle, TelemetryOptions } from './start-telemetry';
