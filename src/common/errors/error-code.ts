/**
 * Every error code the API can return. Feature modules add theirs here (dotted, upper case:
 * `AREA.REASON`) and give the HTTP status in ERROR_STATUS; the problem+json filter does the rest.
 */
export enum ErrorCode {
  BadRequest = 'REQUEST.BAD',
  ValidationFailed = 'REQUEST.VALIDATION_FAILED',
  PayloadTooLarge = 'REQUEST.PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  RouteNotFound = 'REQUEST.ROUTE_NOT_FOUND',
  MethodNotAllowed = 'REQUEST.METHOD_NOT_ALLOWED',
  RateLimited = 'REQUEST.RATE_LIMITED',
  Unauthenticated = 'AUTH.UNAUTHENTICATED',
  Forbidden = 'AUTH.FORBIDDEN',
  ApiKeyNotFound = 'API_KEY.NOT_FOUND',
  NotFound = 'RESOURCE.NOT_FOUND',
  Conflict = 'RESOURCE.CONFLICT',
  DependencyUnavailable = 'DEPENDENCY.UNAVAILABLE',
  Internal = 'INTERNAL',
}

export const ERROR_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.RouteNotFound]: 404,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.ApiKeyNotFound]: 404,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.DependencyUnavailable]: 503,
  [ErrorCode.Internal]: 500,
};

/** Short, stable titles for the problem documents (RFC 9457 `title`). */
export const ERROR_TITLE: Record<ErrorCode, string> = {
  [ErrorCode.BadRequest]: 'Bad request',
  [ErrorCode.ValidationFailed]: 'Validation failed',
  [ErrorCode.PayloadTooLarge]: 'Payload too large',
  [ErrorCode.UnsupportedMediaType]: 'Unsupported media type',
  [ErrorCode.RouteNotFound]: 'Route not found',
  [ErrorCode.MethodNotAllowed]: 'Method not allowed',
  [ErrorCode.RateLimited]: 'Too many requests',
  [ErrorCode.Unauthenticated]: 'Unauthenticated',
  [ErrorCode.Forbidden]: 'Forbidden',
  [ErrorCode.ApiKeyNotFound]: 'API key not found',
  [ErrorCode.NotFound]: 'Not found',
  [ErrorCode.Conflict]: 'Conflict',
  [ErrorCode.DependencyUnavailable]: 'Dependency unavailable',
  [ErrorCode.Internal]: 'Internal server error',
};
