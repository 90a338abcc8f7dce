import './telemetry'; // must stay first: starts OpenTelemetry before http/undici/kafkajs load
import { loadConfigOrExit } from '@pulse/config';
import { exitOnStartupError, runService } from '@pulse/observability';
import { schema } from './config';
import { aggregationServiceOptions } from './service';

const config = loadConfigOrExit(schema);
runService(aggregationServiceOptions(config)).catch(exitOnStartupError('aggregation'));
