import { ApiProperty } from '@nestjs/swagger';
import { ApiKeyDto } from './api-key.dto';

/** The answer to a creation: the only time the key itself is ever shown. */
export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key. Shown once; store it now.', example: 'sgd_3f9a0c12b4e7_…' })
  key!: string;
}
