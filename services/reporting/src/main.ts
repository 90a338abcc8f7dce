import './telemetry'; // must stay first: starts OpenTelemetry before http/undici/kafkajs load
import { loadConfigOrExit } from '@pulse/config';
import { exitOnStartupError, runService } from '@pulse/observability';
import { schema } from './config';
import { reportingServiceOptions } from './service';

const config = loadConfigOrExit(schema);
runService(reportingServiceOptions(config)).catch(exitOnStartupError('reporting'));
