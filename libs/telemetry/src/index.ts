// First: only the modules loaded after it get their source maps read.
import './source-maps';

export { startTelemetry } from './start-telemetry';
export type { TelemetryHandle, TelemetryOptions } from './start-telemetry';
