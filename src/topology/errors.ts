/**
 * Domain errors. Every failure a user can cause carries a stable code and a
 * message a crew member understands; src/server/errors.ts is the one place that
 * maps codes to HTTP statuses, and the CLI prints `code: message`.
 */
import type { z } from 'zod';

export type ErrorCode =
  | 'validation_failed'
  | 'bad_json'
  | 'payload_too_large'
  | 'not_found'
  | 'conflict'
  | 'unsupported_format'
  | 'unauthorized'
  | 'forbidden'
  | 'upstream_failed'
  | 'unavailable'
  | 'internal';

/** One problem with one field: where it is, what was given, what is wrong. */
export interface FieldProblem {
  field: string;
  message: string;
  value?: unknown;
}

/** An error a user can act on: `code` is stable for scripts, `message` is for people. */
export class RigmapError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RigmapError';
  }
}

/** `devices[0].addresses[1].ip` from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(body)';
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return cur;
}

/** Turn a zod failure into one RigmapError that names every bad field and its value. */
export function validationError(error: z.ZodError, input: unknown, what: string, prefix = ''): RigmapError {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ field: formatPath([...issue.path, key], prefix), message: `unknown field "${key}"` });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    problems.push({
      field: formatPath(issue.path, prefix),
      message: issue.message,
      ...(value !== undefined && typeof value !== 'object' ? { value } : {}),
    });
  }
  const first = problems[0];
  const shown = first
    ? `${first.field}: ${first.message}${first.value !== undefined ? ` (got ${JSON.stringify(first.value)})` : ''}`
    : 'invalid input';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new RigmapError('validation_failed', `invalid ${what}: ${shown}${more}`, { problems });
}

/** Parse with a schema or throw a RigmapError naming the fields. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string, prefix = ''): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, input, what, prefix);
  return result.data;
}
