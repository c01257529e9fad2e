import { SetMetadata } from '@nestjs/common';
import type { Scope } from './scope';

export const REQUIRED_SCOPE_KEY = 'sgdoctor:required-scope';

/**
 * The scope a route needs. Without it, reads (GET, HEAD) need `read` and everything else
 * needs `write`.
 */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE_KEY, scope);
