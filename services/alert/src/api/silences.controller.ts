import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { safeParseWith } from '@pulse/contracts';
import { errorMessageOf } from '@pulse/kafka';
import { SilenceInputError, createSilenceSchema, type SilenceState } from '../manage-silences/silence';
import { SilenceStore, type SilenceView } from '../manage-silences/silence-store';
import {
  ApiTokenAuth,
  CREATE_SILENCE_SCHEMA,
  ERROR_SCHEMA,
  SILENCE_LIST_SCHEMA,
  SILENCE_SCHEMA,
} from './openapi';

const STATES: readonly SilenceState[] = ['pending', 'active', 'expired'];

@ApiTags('silences')
@ApiTokenAuth()
@Controller('v1/silences')
export class SilencesController {
  constructor(private readonly silences: SilenceStore) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a silence',
    description:
      'Mutes Slack notifications of the alerts whose labels match every matcher (labels of the alert plus ' +
      '`rule`/`alertname`, `severity`, `kind`) between startsAt (default now) and endsAt (or startsAt + duration). ' +
      'Alerts are still evaluated, written to the alerts topic and published on NATS (with a Pulse-Silenced-By header).',
  })
  @ApiBody({ schema: CREATE_SILENCE_SCHEMA })
  @ApiResponse({ status: 201, description: 'Stored (acknowledged by Kafka).', schema: SILENCE_SCHEMA })
  @ApiResponse({ status: 400, description: 'Invalid silence, with the paths.', schema: ERROR_SCHEMA })
  @ApiResponse({
    status: 503,
    description: 'Kafka did not acknowledge; nothing stored.',
    schema: ERROR_SCHEMA,
  })
  async create(@Body() body: unknown): Promise<SilenceView> {
    const parsed = safeParseWith(createSilenceSchema, body ?? {});
    if (!parsed.ok) {
      throw new BadRequestException({
        error: 'bad_request',
        message: parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
        details: parsed.issues,
      });
    }
    try {
      return await this.silences.create(parsed.value);
    } catch (error) {
      throw this.asHttpError(error);
    }
  }

  @Get()
  @ApiOperation({ summary: 'List silences (newest first), optionally by state' })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiResponse({ status: 200, description: 'The silences.', schema: SILENCE_LIST_SCHEMA })
  @ApiResponse({ status: 400, description: 'Unknown state.', schema: ERROR_SCHEMA })
  list(@Query('state') state?: string): { silences: SilenceView[] } {
    if (state !== undefined && !STATES.includes(state as SilenceState)) {
      throw new BadRequestException({
        error: 'bad_request',
        message: `state must be one of ${STATES.join(', ')}`,
      });
    }
    return { silences: this.silences.list(state as SilenceState | undefined) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One silence' })
  @ApiParam({ name: 'id' })
  @ApiResponse({ status: 200, description: 'The silence.', schema: SILENCE_SCHEMA })
  @ApiResponse({ status: 404, description: 'No such silence.', schema: ERROR_SCHEMA })
  get(@Param('id') id: string): SilenceView {
    const silence = this.silences.get(id);
    if (!silence) throw new NotFoundException({ error: 'not_found', message: `no silence ${id}` });
    return silence;
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Expire a silence now', description: 'It stays listed as expired.' })
  @ApiParam({ name: 'id' })
  @ApiResponse({ status: 200, description: 'The expired silence.', schema: SILENCE_SCHEMA })
  @ApiResponse({ status: 404, description: 'No such silence.', schema: ERROR_SCHEMA })
  @ApiResponse({
    status: 503,
    description: 'Kafka did not acknowledge; nothing changed.',
    schema: ERROR_SCHEMA,
  })
  async expire(@Param('id') id: string): Promise<SilenceView> {
    let silence: SilenceView | undefined;
    try {
      silence = await this.silences.expire(id);
    } catch (error) {
      throw this.asHttpError(error);
    }
    if (!silence) throw new NotFoundException({ error: 'not_found', message: `no silence ${id}` });
    return silence;
  }

  private asHttpError(error: unknown): Error {
    if (error instanceof SilenceInputError) {
      return new BadRequestException({ error: 'bad_request', message: error.message });
    }
    return new ServiceUnavailableException({
      error: 'unavailable',
      message: `could not store the silence in Kafka: ${errorMessageOf(error)}`,
    });
  }
}
