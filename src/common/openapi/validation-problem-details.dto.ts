import { ApiProperty, ApiPropertyOptional, ApiSchema, OmitType } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';
import { FieldErrorDto } from './field-error.dto';
import { ProblemDetailsDto } from './problem-details.dto';

/** A 400: ProblemDetails that, for `REQUEST.VALIDATION_FAILED`, lists every offending field. */
@ApiSchema({
  name: 'ValidationProblemDetails',
  description:
    'ProblemDetails of a 400. With code REQUEST.VALIDATION_FAILED, `errors` lists every offending field; ' +
    'REQUEST.BAD (a body that is not JSON) has no `errors`.',
})
export class ValidationProblemDetailsDto extends OmitType(ProblemDetailsDto, ['requiredScope', 'retryAfterSeconds'] as const) {
  @ApiProperty({ description: 'A URI naming the problem type.', example: 'urn:sgdoctor:problem:request.validation_failed' })
  declare type: string;

  @ApiProperty({ description: 'A short, stable summary of the problem type.', example: 'Validation failed' })
  declare title: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status code.', example: 400 })
  declare status: number;

  @ApiProperty({ description: 'What went wrong with this request.', example: 'The request has invalid fields.' })
  declare detail: string;

  @ApiProperty({
    enum: ErrorCode,
    enumName: 'ErrorCode',
    description: 'REQUEST.VALIDATION_FAILED, or REQUEST.BAD for a body that is not JSON.',
  })
  declare code: ErrorCode;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Every offending field, with what is wrong with it.' })
  errors?: FieldErrorDto[];
}
