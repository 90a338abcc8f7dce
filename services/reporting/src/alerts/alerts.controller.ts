import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { InvalidReportParameters, alertEventSchema, rfc3339, toValidationIssues } from '@pulse/contracts';
import { ERROR_SCHEMA, openApiSchema } from '../reports/openapi';
import { AlertLog } from './alert-log';

const alertQuerySchema = z.strictObject({
  state: z.enum(['firing', 'resolved'], { message: 'must be firing or resolved' }).optional(),
  since: rfc3339.optional(),
  limit: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(100),
});

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly log: AlertLog) {}

  @Get()
  @ApiOperation({
    summary: 'Alerts: the latest state of each',
    description:
      'From the `alerts` topic (latest state per fingerprint, bounded by PULSE_ALERTS_MAX), newest update first.',
  })
  @ApiQuery({ name: 'state', required: false, enum: ['firing', 'resolved'] })
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'RFC 3339: only alerts updated at or after this time',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1–1000, default 100' })
  @ApiOkResponse({ schema: openApiSchema(z.object({ alerts: z.array(alertEventSchema) })) })
  @ApiResponse({ status: 400, description: 'A parameter is invalid.', schema: ERROR_SCHEMA })
  @ApiResponse({
    status: 503,
    description: 'The alert log is still loading (or the topic does not exist yet).',
    schema: ERROR_SCHEMA,
  })
  list(@Query() query: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const parsed = alertQuerySchema.safeParse(query ?? {});
    if (!parsed.success) throw new InvalidReportParameters(toValidationIssues(parsed.error));
    if (!this.log.loaded) {
      void reply.status(503).header('retry-after', '5');
      return { error: 'unavailable', message: 'the alert log is still loading' };
    }
    const { state, since, limit } = parsed.data;
    return {
      alerts: this.log.find({
        limit,
        ...(state === undefined ? {} : { state }),
        ...(since === undefined ? {} : { sinceMs: Date.parse(since) }),
      }),
    };
  }
}
