import { AppError } from './app.error';
import { ErrorCode } from './error-code';

/** A request body of a media type the API does not read (it reads application/json only). */
export class UnsupportedMediaTypeError extends AppError {
  constructor(mediaType: string | undefined) {
    super(
      ErrorCode.UnsupportedMediaType,
      mediaType
        ? `The request body is ${mediaType.slice(0, 100)}; the API reads application/json only.`
        : 'The request body has no Content-Type; the API reads application/json only.',
    );
  }
}
