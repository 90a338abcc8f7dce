import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { InvalidReportParameters } from '@pulse/contracts';
import { InfluxQueryError, InfluxUnavailableError } from '../influx/influx-query-client';

/** Answers for the failures reports can meet: bad parameters (400), InfluxDB down (503), a bad query (500). */
@Catch(InvalidReportParameters, InfluxUnavailableError, InfluxQueryError)
export class ReportErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(
    error: InvalidReportParameters | InfluxUnavailableError | InfluxQueryError,
    host: ArgumentsHost,
  ): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof InvalidReportParameters) {
      void reply
        .status(HttpStatus.BAD_REQUEST)
        .send({ error: 'bad_request', message: error.message, issues: error.issues });
      return;
    }
    if (error instanceof InfluxUnavailableError) {
      this.logger.warn({ err: error }, 'InfluxDB unavailable for a report');
      void reply
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .header('retry-after', '5')
        .send({ error: 'unavailable', message: 'the metrics store is unavailable; retry shortly' });
      return;
    }
    this.logger.error({ err: error }, 'InfluxDB refused a report query');
    void reply
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .send({ error: 'internal', message: 'the report query failed' });
  }
}
