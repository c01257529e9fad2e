import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { ApiProblemResponses, BODY_PROBLEMS, FRESH_UNREADABLE, PATH_ID_PROBLEM } from '../common/openapi/api-problem-responses.decorator';
import type { PathVerdict } from '../engine/path/path-result';
import { uuidParam } from '../targets/uuid-param.pipe';
import { CreatePathDto } from './dto/create-path.dto';
import { PathsService } from './paths.service';

@ApiTags('paths')
@ApiKeyAuth()
@Controller('v1/targets')
export class PathsController {
  constructor(private readonly paths: PathsService) {}

  /** Reads the configuration and changes nothing: needs only the read scope. */
  @Post(':id/paths')
  @HttpCode(200)
  @RequireScope('read')
  @ApiOperation({
    summary: 'Analyse a path',
    description:
      'Answers "can A reach B on this protocol and port?" from the target\'s latest analysed snapshot (or a fresh one with ' +
      '`"snapshot": "fresh"`), before any flow exists: every security group, network ACL and route hop in path order, the reply ' +
      "path's NACLs over the client's port or ephemeral range, every control that denies, and a verified fix. The same JSON as " +
      '`sgdoctor why`.',
  })
  @ApiOkResponse({
    description: 'The verdict: `{"verdict","hops":[…],"blockedBy":[…],"reply":{"verdict","hops","blockedBy"},"suggestedFix","reason"}`.',
    schema: {
      type: 'object',
      required: ['verdict', 'hops', 'blockedBy', 'reply', 'suggestedFix', 'reason'],
      properties: {
        verdict: { type: 'string', enum: ['allowed', 'blocked', 'unknown'] },
        hops: { type: 'array', items: { type: 'object', additionalProperties: true } },
        blockedBy: { type: 'array', items: { type: 'object', additionalProperties: true } },
        reply: { type: 'object', additionalProperties: true },
        suggestedFix: { type: 'object', nullable: true, additionalProperties: true },
        reason: { type: 'string' },
      },
    },
  })
  @ApiProblemResponses(PATH_ID_PROBLEM, ...BODY_PROBLEMS, ErrorCode.TargetNotFound, ErrorCode.PathNoSnapshot, FRESH_UNREADABLE)
  create(@Param('id', uuidParam) id: string, @Body() dto: CreatePathDto): Promise<PathVerdict> {
    return this.paths.analyze(id, dto);
  }
}
