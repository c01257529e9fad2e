import { AppError } from './app.error';
import { ErrorCode } from './error-code';

/**
 * A JSON body declared in a charset other than UTF-8 (`application/json; charset=latin1`): 415,
 * for the API reads JSON as UTF-8 only (RFC 8259 §8.1), and reading it so would store other text
 * than the one sent.
 */
export class UnsupportedCharsetError extends AppError {
  constructor(charset: string) {
    const named = charset.slice(0, 100);
    super(
      ErrorCode.UnsupportedMediaType,
      `The request body is application/json in the charset ${named}; the API reads JSON in UTF-8 only.`,
      { charset: named },
    );
  }
}
