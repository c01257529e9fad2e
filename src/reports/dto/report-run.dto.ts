import { ApiProperty } from '@nestjs/swagger';

/** A queued "run now": its report appears in GET /v1/reports?scheduleId=… with this run id. */
export class ReportRunDto {
  @ApiProperty({ format: 'uuid' })
  runId!: string;

  @ApiProperty({ format: 'uuid' })
  scheduleId!: string;

  @ApiProperty()
  requestedAt!: string;
}
