import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { ApiProblemResponses, BODY_PROBLEMS, FRESH_UNREADABLE, PATH_ID_PROBLEM } from '../common/openapi/api-problem-responses.decorator';
import { CreatePathDto } from '../paths/dto/create-path.dto';
import { uuidParam } from '../targets/uuid-param.pipe';
import { ConfirmationsService } from './confirmations.service';
import { ConfirmFindingDto } from './dto/confirm-finding.dto';
import { ConfirmationDto } from './dto/confirmation.dto';

const ACCEPTED = 'Queued; `Location` points at the confirmation. Poll it until `status` is succeeded or failed.';
const PENDING =
  'A confirmation of the same finding and question is still queued or running: that one, unchanged, and nothing new is asked ' +
  'or billed; `Location` points at it.';
const PENDING_PATH =
  'A confirmation of the same question on this target is still queued or running: that one, unchanged, and nothing new is asked ' +
  'or billed; `Location` points at it.';
const UNSUPPORTED = 'not TCP or UDP, IPv6, or a source that is no interface of the snapshot';
const BUDGET = 'REACHABILITY_MONTHLY_BUDGET_USD is spent for this month: the problem names `budgetUsd`, `spentUsd`, `month` and `resetsAt`';
const NO_SNAPSHOT = 'the target has no analysed snapshot yet';

/**
 * Reachability Analyzer on demand: AWS's own answer for a finding's path or a path question,
 * compared with sgdoctor's hop by hop. Asking costs money (USD 0.10 an analysis), so it needs the
 * write scope.
 */
@ApiTags('confirmations')
@ApiKeyAuth()
@Controller('v1')
export class ConfirmationsController {
  constructor(private readonly confirmations: ConfirmationsService) {}

  @Post('findings/:id/confirm')
  @HttpCode(202)
  @RequireScope('write')
  @ApiOperation({
    summary: "Confirm a finding's path with Reachability Analyzer",
    description:
      "Asks AWS Reachability Analyzer about the finding's traffic (its busiest interface and peer unless named), " +
      "over the target's latest snapshot, asynchronously; the result compares AWS's explanations with sgdoctor's hops. " +
      "Each confirmation is one billed analysis (USD 0.10) counted against the target's monthly budget. " +
      'Asked again while a confirmation of the same finding and question is queued or running, it answers 200 with that one ' +
      'instead of starting another.',
  })
  @ApiAcceptedResponse({ type: ConfirmationDto, description: ACCEPTED })
  @ApiOkResponse({ type: ConfirmationDto, description: PENDING })
  @ApiProblemResponses(
    PATH_ID_PROBLEM,
    ...BODY_PROBLEMS,
    ErrorCode.FindingNotFound,
    [ErrorCode.PathNoSnapshot, NO_SNAPSHOT],
    [ErrorCode.ConfirmationUnsupported, `${UNSUPPORTED}, or the finding is a scanner campaign`],
    [ErrorCode.ConfirmationBudgetExhausted, BUDGET],
  )
  async confirmFinding(
    @Param('id', uuidParam) id: string,
    @Body() dto: ConfirmFindingDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConfirmationDto> {
    const { confirmation, created } = await this.confirmations.confirmFinding(id, dto);
    if (!created) void reply.status(200);
    void reply.header('location', `/v1/confirmations/${confirmation.id}`);
    return confirmation;
  }

  @Post('targets/:id/paths/confirm')
  @HttpCode(202)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Confirm a path with Reachability Analyzer',
    description:
      'The path question of `POST /v1/targets/{id}/paths`, asked of AWS Reachability Analyzer asynchronously; the result ' +
      "compares AWS's explanations with sgdoctor's hops. Each confirmation is one billed analysis (USD 0.10) counted against the " +
      "target's monthly budget. Asked again while a path confirmation of the same question on the same target is queued or " +
      'running, it answers 200 with that one instead of starting another. The same question is the same path sent to AWS (its ' +
      '`analyzerPath`): the same source interface and address, destination interface and address, protocol and destination ' +
      'port, however `from` and `to` name them (an instance, its interface or its address); `sourcePort` and `snapshot` are ' +
      'not part of it, as AWS is not asked about them.',
  })
  @ApiAcceptedResponse({ type: ConfirmationDto, description: ACCEPTED })
  @ApiOkResponse({ type: ConfirmationDto, description: PENDING_PATH })
  @ApiProblemResponses(
    PATH_ID_PROBLEM,
    ...BODY_PROBLEMS,
    ErrorCode.TargetNotFound,
    [ErrorCode.PathNoSnapshot, `${NO_SNAPSHOT}; ask with "snapshot": "fresh"`],
    FRESH_UNREADABLE,
    [ErrorCode.ConfirmationUnsupported, UNSUPPORTED],
    [ErrorCode.ConfirmationBudgetExhausted, BUDGET],
  )
  async confirmPath(
    @Param('id', uuidParam) id: string,
    @Body() dto: CreatePathDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConfirmationDto> {
    const { confirmation, created } = await this.confirmations.confirmPath(id, dto);
    if (!created) void reply.status(200);
    void reply.header('location', `/v1/confirmations/${confirmation.id}`);
    return confirmation;
  }

  @Get('confirmations/:id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'A Reachability Analyzer confirmation',
    description:
      "Its state (queued, running, succeeded, failed) and, once succeeded, AWS's verdict (NetworkPathFound), its explanations, " +
      "and sgdoctor's hops each marked agree or disagree with both explanations.",
  })
  @ApiOkResponse({ type: ConfirmationDto, description: 'The confirmation.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.ConfirmationNotFound)
  get(@Param('id', uuidParam) id: string): Promise<ConfirmationDto> {
    return this.confirmations.get(id);
  }
}
