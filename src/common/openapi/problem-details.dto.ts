import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { SCOPES } from '../../auth/scope';
import { ErrorCode } from '../errors/error-code';

/**
 * The body of every error response (RFC 9457, `application/problem+json`), as written by
 * ProblemDetailsFilter. Codes may add members of their own (`retryAfterSeconds`, `requiredScope`,
 * `targetId` …), so the object is open.
 */
@ApiSchema({
  name: 'ProblemDetails',
  description: 'RFC 9457 problem details, sent as application/problem+json. `code` is stable; members beyond these depend on the code.',
})
export class ProblemDetailsDto {
  @ApiProperty({
    description: 'A URI naming the problem type: `urn:sgdoctor:problem:` and the code in lower case.',
    example: 'urn:sgdoctor:problem:target.not_found',
  })
  type!: string;

  @ApiProperty({ description: 'A short, stable summary of the problem type.', example: 'Target not found' })
  title!: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status code.', example: 404 })
  status!: number;

  @ApiProperty({ description: 'What went wrong with this request.', example: 'Target 3f0f8a56-4a47-4c6f-9f55-0c2b8d1e6a10 not found.' })
  detail!: string;

  @ApiPropertyOptional({ description: 'The path of the request.', example: '/v1/targets/3f0f8a56-4a47-4c6f-9f55-0c2b8d1e6a10' })
  instance?: string;

  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', description: 'The stable error code; clients branch on it.' })
  code!: ErrorCode;

  @ApiPropertyOptional({ description: 'The request id, as in the `x-request-id` response header and the logs.' })
  requestId?: string;

  @ApiPropertyOptional({ description: '403 only: the scope the route needs.', enum: SCOPES })
  requiredScope?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description: '429 only: seconds until the rate limit lets this key through again (also in `Retry-After`).',
  })
  retryAfterSeconds?: number;
}
