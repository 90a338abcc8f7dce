import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  type ApiResponseOptions,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';
import {
  JSON_BATCH_TYPES,
  NDJSON_TYPES,
  SINGLE_EVENT_TYPES,
  isOneOf,
  mediaTypeOf,
} from '../http/media-types';
import { itemsOfJsonArray, itemsOfNdjson, type BatchItem } from './batch-items';
import { EventIngestor, type AcceptedEvent, type BatchOutcome } from './event-ingestor';
import {
  ACCEPTED_SCHEMA,
  ALL_REJECTED_SCHEMA,
  BATCH_OUTCOME_SCHEMA,
  BATCH_SCHEMA,
  ERROR_SCHEMA,
  EVENT_SCHEMA,
} from './openapi-schemas';

const COMMON_ERRORS: ApiResponseOptions[] = [
  { status: 401, description: 'No API key was sent.', schema: ERROR_SCHEMA },
  { status: 403, description: 'The API key is not valid.', schema: ERROR_SCHEMA },
  {
    status: 413,
    description:
      'The body is larger than PULSE_BATCH_MAX_BYTES (`body_too_large`), the batch holds too many events ' +
      '(`batch_too_large`), or the request costs more than ' +
      'the rate limit allows at once (`too_costly`: an event costs 1, an order 1 per line); send less at once.',
    schema: ERROR_SCHEMA,
  },
  { status: 415, description: 'Unsupported Content-Type.', schema: ERROR_SCHEMA },
  {
    status: 429,
    description:
      'The key spent more than its rate limit allows (an event costs 1, an order 1 per line; per replica); ' +
      'wait for `Retry-After` seconds.',
    schema: ERROR_SCHEMA,
  },
  {
    status: 503,
    description:
      'Kafka did not acknowledge the events (down, or too much is waiting). Nothing is confirmed: retry after ' +
      '`Retry-After` seconds with the same events (same ids; events sent without one get an id derived from ' +
      'their content, so a retry of the same event keeps it).',
    schema: ERROR_SCHEMA,
  },
];

function ApiErrors(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const options of COMMON_ERRORS) ApiResponse(options)(target, key, descriptor);
  };
}

@ApiTags('events')
@ApiSecurity('api-key')
@ApiHeader({
  name: 'x-api-key',
  required: false,
  description: 'The API key (or send `Authorization: Bearer <key>`).',
})
@Controller('v1/events')
export class EventsController {
  constructor(private readonly ingestor: EventIngestor) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Submit one event',
    description: 'Answers 202 only once Kafka acknowledged the event.',
  })
  @ApiConsumes(...SINGLE_EVENT_TYPES)
  @ApiBody({ schema: EVENT_SCHEMA })
  @ApiResponse({ status: 202, description: 'Written to events.raw.', schema: ACCEPTED_SCHEMA })
  @ApiResponse({
    status: 400,
    description: 'Not JSON, or not a valid event (with the paths).',
    schema: ERROR_SCHEMA,
  })
  @ApiErrors()
  async submitOne(@Req() request: FastifyRequest): Promise<AcceptedEvent> {
    const media = mediaTypeOf(request);
    if (!isOneOf(media, SINGLE_EVENT_TYPES)) throw unsupported(media, SINGLE_EVENT_TYPES);
    return this.ingestor.ingestOne(request.credentialName, request.body);
  }

  @Post('batch')
  @ApiOperation({
    summary: 'Submit a batch of events',
    description:
      'Each event is validated on its own: valid events are written even when others are not. ' +
      '202 when at least one event was accepted (check `rejected`!), 400 when none was; ' +
      'the body lists accepted ids and rejected indexes with reasons either way.',
  })
  @ApiConsumes(...JSON_BATCH_TYPES, ...NDJSON_TYPES)
  @ApiBody({ schema: BATCH_SCHEMA })
  @ApiResponse({
    status: 202,
    description: 'At least one event was written to events.raw; `rejected` lists the others.',
    schema: BATCH_OUTCOME_SCHEMA,
  })
  @ApiResponse({
    status: 400,
    description: 'Not JSON, not an array, empty, or no valid event at all (then with the per-event reasons).',
    schema: ALL_REJECTED_SCHEMA,
  })
  @ApiErrors()
  async submitBatch(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BatchOutcome | (BatchOutcome & { error: string; message: string })> {
    const outcome = await this.ingestor.ingestBatch(request.credentialName, this.batchItems(request));
    if (outcome.accepted.length === 0) {
      void reply.status(400);
      const count = outcome.rejected.length;
      return {
        error: 'invalid_events',
        message: count === 1 ? 'the event is not valid' : `none of the ${count} events is valid`,
        ...outcome,
      };
    }
    void reply.status(202);
    return outcome;
  }

  private batchItems(request: FastifyRequest): BatchItem[] {
    const media = mediaTypeOf(request);
    if (isOneOf(media, JSON_BATCH_TYPES)) {
      const items = itemsOfJsonArray(request.body);
      if (!items.ok) throw new ApiError(400, 'not_an_array', items.message);
      return items.items;
    }
    if (isOneOf(media, NDJSON_TYPES) && typeof request.body === 'string') {
      return itemsOfNdjson(request.body, this.ingestor.maxBatchEvents);
    }
    throw unsupported(media, [...JSON_BATCH_TYPES, ...NDJSON_TYPES]);
  }
}

function unsupported(media: string, allowed: readonly string[]): ApiError {
  return new ApiError(
    415,
    'unsupported_media_type',
    `${media === '' ? 'a Content-Type is required' : `Content-Type ${media.slice(0, 100)} is not supported`}: use ${allowed.join(' or ')}`,
  );
}
