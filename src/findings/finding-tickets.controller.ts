import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { ApiProblemResponses, PATH_ID_PROBLEM } from '../common/openapi/api-problem-responses.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { FindingTicketDto } from '../ticketing/dto/finding-ticket.dto';
import { FindingsService } from './findings.service';

@ApiTags('findings')
@ApiKeyAuth()
@Controller('v1/findings')
export class FindingTicketsController {
  constructor(private readonly findings: FindingsService) {}

  @Get(':id/tickets')
  @RequireScope('read')
  @ApiOperation({
    summary: "List a finding's tickets",
    description: 'The Jira issue or ServiceNow incident opened for the finding by each ticketing webhook, with its key, link and state.',
  })
  @ApiOkResponse({
    type: FindingTicketDto,
    isArray: true,
    description: 'The Jira issue or ServiceNow incident of the finding in each ticketing webhook.',
  })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.FindingNotFound)
  list(@Param('id', uuidParam) id: string): Promise<FindingTicketDto[]> {
    return this.findings.tickets(id);
  }
}
