import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { FindingTicketDto } from './dto/finding-ticket.dto';
import { FindingTicketsService } from './finding-tickets.service';

@ApiTags('findings')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/findings')
export class FindingTicketsController {
  constructor(private readonly tickets: FindingTicketsService) {}

  @Get(':id/tickets')
  @RequireScope('read')
  @ApiOkResponse({ type: FindingTicketDto, isArray: true, description: 'The Jira issue or ServiceNow incident of the finding in each ticketing webhook.' })
  list(@Param('id', uuidParam) id: string): Promise<FindingTicketDto[]> {
    return this.tickets.list(id);
  }
}
