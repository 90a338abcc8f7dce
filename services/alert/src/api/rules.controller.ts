import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RuleBook, type ReloadStatus } from '../rules/rule-book';
import type { Rule } from '../rules/rule-schema';
import { ApiTokenAuth, RULES_SCHEMA } from './openapi';

@ApiTags('rules')
@ApiTokenAuth()
@Controller('v1/rules')
export class RulesController {
  constructor(private readonly rules: RuleBook) {}

  @Get()
  @ApiOperation({
    summary: 'The rules in effect and the last reload',
    description:
      'A rejected change of the rules file keeps the previous rules; `reload.lastChange.errors` says why.',
  })
  @ApiResponse({ status: 200, description: 'Rules and reload status.', schema: RULES_SCHEMA })
  list(): { rules: readonly Rule[]; reload: ReloadStatus } {
    return { rules: this.rules.rules(), reload: this.rules.status() };
  }
}
