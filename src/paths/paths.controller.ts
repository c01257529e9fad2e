import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator';
import type { PathVerdict } from '../engine/path/path-result';
import { uuidParam } from '../targets/uuid-param.pipe';
import { CreatePathDto } from './dto/create-path.dto';
import { PathsService } from './paths.service';

@ApiTags('paths')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/targets')
export class PathsController {
  constructor(private readonly paths: PathsService) {}

  /** Reads the configuration and changes nothing: needs only the read scope. */
  @Post(':id/paths')
  @HttpCode(200)
  @RequireScope('read')
  @ApiOkResponse({
    description: 'The path\'s verdict, every hop (security groups, NACLs, route) in path order, the reply, and a verified fix: '
      + '{"verdict","hops":[…],"blockedBy":[…],"reply":{"verdict","hops","blockedBy"},"suggestedFix","reason"} as `sgdoctor why` prints it.',
  })
  @ApiConflictResponse({ description: 'The target has no analysed snapshot yet (ask with "snapshot": "fresh").' })
  create(@Param('id', uuidParam) id: string, @Body() dto: CreatePathDto): Promise<PathVerdict> {
    return this.paths.analyze(id, dto);
  }
}
