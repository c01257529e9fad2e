import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiSecurity, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator';
import { CreateSimulationDto } from './dto/create-simulation.dto';
import { SimulationResultDto } from './dto/simulation-result.dto';
import { SimulationsService } from './simulations.service';

@ApiTags('simulations')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/simulations')
export class SimulationsController {
  constructor(private readonly simulations: SimulationsService) {}

  /** Changes nothing anywhere: needs only the read scope. */
  @Post()
  @HttpCode(200)
  @RequireScope('read')
  @ApiOkResponse({ type: SimulationResultDto })
  @ApiUnprocessableEntityResponse({ description: 'A change EC2 would refuse or that does not fit the snapshot.' })
  create(@Body() dto: CreateSimulationDto): Promise<SimulationResultDto> {
    return this.simulations.simulate(dto);
  }
}
