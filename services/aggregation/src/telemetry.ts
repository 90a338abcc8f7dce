import { startTelemetry } from '@pulse/telemetry';

startTelemetry({ serviceName: 'aggregation' });
