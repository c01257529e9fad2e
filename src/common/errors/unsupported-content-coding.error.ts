import { AppError } from './app.error';
import { ErrorCode } from './error-code';

/**
 * A request body in a content coding (gzip, br …) the API does not decode: 415, as RFC 9110
 * §15.5.16 has it for a Content-Encoding the server does not accept.
 */
export class UnsupportedContentCodingError extends AppError {
  constructor(contentCoding: string) {
    super(
      ErrorCode.UnsupportedMediaType,
      `The request body is in the content coding ${contentCoding.slice(0, 100)}; the API reads bodies without one (identity) only.`,
    );
  }
}
