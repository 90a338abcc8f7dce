import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AlertEvent } from '@pulse/contracts';
import { SilenceStore } from '../manage-silences/silence-store';
import { AlertStateStore } from '../state/alert-state-store';
import { ApiTokenAuth, ACTIVE_ALERTS_SCHEMA } from './openapi';

@ApiTags('alerts')
@ApiTokenAuth()
@Controller('v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertStateStore,
    private readonly silences: SilenceStore,
  ) {}

  @Get('active')
  @ApiOperation({
    summary: 'Alerts firing now',
    description: 'From the alerts topic (every instance reads all of it), with the silences muting each.',
  })
  @ApiResponse({ status: 200, description: 'Firing alerts, newest first.', schema: ACTIVE_ALERTS_SCHEMA })
  active(): { alerts: (AlertEvent & { silencedBy: string[] })[] } {
    return {
      alerts: this.alerts
        .firing()
        .sort((a, b) => b.startsAt.localeCompare(a.startsAt))
        .map((alert) => ({ ...alert, silencedBy: this.silences.silencing(alert) })),
    };
  }
}
