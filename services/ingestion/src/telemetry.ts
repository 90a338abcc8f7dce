import { startTelemetry } from '@pulse/telemetry';

startTelemetry({ serviceName: 'ingestion' });
