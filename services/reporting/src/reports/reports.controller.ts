import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  GROUP_BY_VALUES,
  REGIONS,
  parseFunnelParams,
  parseSalesParams,
  parseTopProductsParams,
  type ReportLimits,
} from '@pulse/contracts';
import { REPORTING_CONFIG, type ReportingConfig } from '../config';
import { durationLiteral } from '../influx/influxql';
import { funnelCsv, salesCsv, topProductsCsv } from './csv';
import { ERROR_SCHEMA, openApiSchema } from './openapi';
import { funnelRowSchema, reportSchema, salesRowSchema, topProductRowSchema } from './report-rows';
import { ReportsService } from './reports-service';

const CSV = 'text/csv';

function wantsCsv(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').toLowerCase().includes(CSV);
}

function csv(reply: FastifyReply, body: string): string {
  void reply.type(`${CSV}; charset=utf-8`);
  return body;
}

const RANGE_QUERIES = [
  ApiQuery({
    name: 'from',
    required: true,
    description: 'RFC 3339 start (inclusive) of the windows reported',
    example: '2026-11-24T10:00:00Z',
  }),
  ApiQuery({
    name: 'to',
    required: true,
    description: 'RFC 3339 end (exclusive); at most PULSE_REPORTING_MAX_RANGE after from',
    example: '2026-11-24T11:00:00Z',
  }),
];
const FILTER_QUERIES = [
  ApiQuery({ name: 'category', required: false, description: 'only this product category' }),
  ApiQuery({ name: 'region', required: false, enum: REGIONS, description: 'only this region' }),
];

function apply(decorators: MethodDecorator[]): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorator of decorators) decorator(target, key, descriptor);
  };
}

const COMMON_RESPONSES = apply([
  ApiResponse({
    status: 400,
    description: 'A parameter is missing or invalid; `issues` names each one.',
    schema: ERROR_SCHEMA,
  }),
  ApiResponse({ status: 401, description: 'No read token was sent.', schema: ERROR_SCHEMA }),
  ApiResponse({ status: 403, description: 'The read token is not valid.', schema: ERROR_SCHEMA }),
  ApiResponse({
    status: 503,
    description: 'InfluxDB is unavailable; retry after `Retry-After` seconds.',
    schema: ERROR_SCHEMA,
  }),
]);

@ApiTags('reports')
@ApiBearerAuth()
@ApiProduces('application/json', CSV)
@Controller('v1/reports')
export class ReportsController {
  private readonly limits: ReportLimits;

  constructor(
    private readonly reports: ReportsService,
    @Inject(REPORTING_CONFIG) config: ReportingConfig,
  ) {
    this.limits = {
      windowsMs: config.PULSE_WINDOWS,
      maxRangeMs: config.PULSE_REPORTING_MAX_RANGE,
      maxWindows: config.PULSE_REPORTING_MAX_WINDOWS,
      defaultCurrency: config.PULSE_REPORTING_CURRENCY,
    };
  }

  @Get('sales')
  @ApiOperation({
    summary: 'Sales per window',
    description:
      'Orders, units, unique customers, views, cart adds and revenue (per currency, with average order value) per window, ' +
      'summed across partitions, optionally grouped by category and/or region. Every row says whether its window is final. ' +
      '`Accept: text/csv` for CSV (one column group per currency).',
  })
  @apply(RANGE_QUERIES)
  @ApiQuery({
    name: 'interval',
    required: false,
    description: 'window size: one of the sizes aggregated (PULSE_WINDOWS); default the smallest',
    example: '1m',
  })
  @ApiQuery({ name: 'groupBy', required: false, enum: GROUP_BY_VALUES, description: 'default total' })
  @apply(FILTER_QUERIES)
  @ApiQuery({ name: 'currency', required: false, description: 'only revenue in this ISO 4217 currency' })
  @ApiOkResponse({
    description: 'One row per window (and group) with data.',
    schema: openApiSchema(reportSchema(salesRowSchema)),
  })
  @COMMON_RESPONSES
  async sales(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const params = parseSalesParams(query, this.limits);
    const rows = await this.reports.sales(params);
    if (wantsCsv(request)) return csv(reply, salesCsv(rows, params.groupBy));
    return {
      query: {
        from: new Date(params.fromMs).toISOString(),
        to: new Date(params.toMs).toISOString(),
        interval: durationLiteral(params.intervalMs),
        groupBy: params.groupBy.length === 0 ? 'total' : params.groupBy.join(','),
        ...(params.category === undefined ? {} : { category: params.category }),
        ...(params.region === undefined ? {} : { region: params.region }),
        ...(params.currency === undefined ? {} : { currency: params.currency }),
      },
      rows,
    };
  }

  @Get('top-products')
  @ApiOperation({
    summary: 'Best-selling products over a time range',
    description:
      'Products ranked by revenue in one currency (default PULSE_REPORTING_CURRENCY) or by units, over the windows starting in [from, to).',
  })
  @apply(RANGE_QUERIES)
  @ApiQuery({ name: 'by', required: false, enum: ['revenue', 'units'], description: 'default revenue' })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 10' })
  @ApiQuery({ name: 'currency', required: false, description: 'the currency revenue ranks by' })
  @ApiOkResponse({
    description: 'At most `limit` products, best first.',
    schema: openApiSchema(reportSchema(topProductRowSchema)),
  })
  @COMMON_RESPONSES
  async topProducts(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const params = parseTopProductsParams(query, this.limits);
    const rows = await this.reports.topProducts(params);
    if (wantsCsv(request)) return csv(reply, topProductsCsv(rows));
    return {
      query: {
        from: new Date(params.fromMs).toISOString(),
        to: new Date(params.toMs).toISOString(),
        by: params.by,
        limit: params.limit,
        currency: params.currency,
      },
      rows,
    };
  }

  @Get('funnel')
  @ApiOperation({
    summary: 'Views → cart adds → orders over a time range',
    description:
      'Totals and conversion rates over the windows starting in [from, to), optionally for one category and/or region.',
  })
  @apply(RANGE_QUERIES)
  @apply(FILTER_QUERIES)
  @ApiOkResponse({ description: 'One row.', schema: openApiSchema(reportSchema(funnelRowSchema)) })
  @COMMON_RESPONSES
  async funnel(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const params = parseFunnelParams(query, this.limits);
    const row = await this.reports.funnel(params);
    if (wantsCsv(request)) return csv(reply, funnelCsv(row));
    return {
      query: {
        from: new Date(params.fromMs).toISOString(),
        to: new Date(params.toMs).toISOString(),
        ...(params.category === undefined ? {} : { category: params.category }),
        ...(params.region === undefined ? {} : { region: params.region }),
      },
      rows: [row],
    };
  }
}
