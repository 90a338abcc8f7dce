import { Controller, Get, Header, HttpStatus, Injectable, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

export interface CheckResult {
  ok: boolean;
  detail?: Record<string, unknown> | string;
}

export interface HealthCheck {
  /** Readiness checks gate traffic; liveness checks restart the pod when they fail. */
  kind: 'readiness' | 'liveness';
  check(): CheckResult | Promise<CheckResult>;
}

/** Where a service's parts say whether they are ready (Kafka consumer joined, table loaded…). */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private shuttingDown = false;

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** From SIGTERM on, readiness fails so the load balancer stops sending before we close. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async evaluate(kind: HealthCheck['kind']): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
    const results: Record<string, CheckResult> = {};
    for (const [name, check] of this.checks) {
      if (kind === 'liveness' && check.kind !== 'liveness') continue;
      try {
        results[name] = await check.check();
      } catch (error) {
        results[name] = { ok: false, detail: (error as Error).message };
      }
    }
    if (kind === 'readiness' && this.shuttingDown) results['shutdown'] = { ok: false, detail: 'shutting down' };
    return { ok: Object.values(results).every((result) => result.ok), checks: results };
  }
}

@Controller('health')
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get('live')
  @Header('Cache-Control', 'no-store')
  async live(@Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, 'liveness');
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, 'readiness');
  }

  private async answer(reply: FastifyReply, kind: HealthCheck['kind']): Promise<void> {
    const result = await this.registry.evaluate(kind);
    await reply
      .status(result.ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .send({ status: result.ok ? 'ok' : 'unavailable', checks: result.checks });
  }
}
