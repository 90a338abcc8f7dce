import { startTelemetry } from '@pulse/telemetry';

startTelemetry({ serviceName: 'reporting' });
