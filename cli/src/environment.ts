/** The one place the tool reads `process.env` (its variables are checked by `config.ts`). */
import type { Environment } from '@preview-lambda/contract';

/** The process environment. */
export function loadEnvironment(): Environment {
  return process.env;
}
