import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** One offending field of a request, as listed in a validation problem's `errors`. */
@ApiSchema({ name: 'FieldError' })
export class FieldErrorDto {
  @ApiProperty({
    description: 'Dotted path of the field in the body or query (`name`, `flowSource.database`, `limit`).',
    example: 'scopes',
  })
  field!: string;

  @ApiProperty({ example: 'scopes should not be empty' })
  message!: string;
}
