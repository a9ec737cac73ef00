/**
 * A small validator of JSON values against the OpenAPI 3.0 / AsyncAPI schemas
 * of test/fixtures/blackmagic/ ($ref inside one document, type, nullable,
 * enum, required, properties, items, allOf, oneOf). Stricter than OpenAPI on
 * one point on purpose: a property the schema does not name is an error, so a
 * simulator cannot grow fields the real API does not have.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A parsed definition file. */
export type ApiDoc = Record<string, unknown> & { paths?: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>> };
/** A schema object, loosely typed as the files have it. */
export type Schema = Record<string, unknown>;

/** Load one definition file of test/fixtures/blackmagic/. */
export function loadApiDoc(name: string): ApiDoc {
  return parse(readFileSync(new URL(`../fixtures/blackmagic/${name}`, import.meta.url), 'utf8')) as ApiDoc;
}

/** Follow a local `$ref` ("#/components/schemas/X"). */
export function resolveRef(doc: ApiDoc, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref are supported: ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)?.[part];
  if (!node || typeof node !== 'object') throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

/** Every problem of `value` against `schema` ([] when it conforms), each naming where. */
export function validate(doc: ApiDoc, schema: Schema, value: unknown, at = '$'): string[] {
  if (typeof schema.$ref === 'string') return validate(doc, resolveRef(doc, schema.$ref), value, at);
  if (value === null) {
    if (schema.nullable === true || schema.type === 'null') return [];
    if (Array.isArray(schema.oneOf) && (schema.oneOf as Schema[]).some((s) => validate(doc, s, null, at).length === 0)) return [];
    return [`${at}: null where the schema does not allow it`];
  }
  const errors: string[] = [];
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) errors.push(...validate(doc, s, value, at));
  if (Array.isArray(schema.oneOf)) {
    const fits = (schema.oneOf as Schema[]).filter((s) => validate(doc, s, value, at).length === 0).length;
    if (fits !== 1) errors.push(`${at}: fits ${fits} of the oneOf schemas, not exactly one`);
  }
  const type = schema.type as string | undefined;
  if (type === 'object' || (!type && schema.properties)) {
    if (typeof value !== 'object' || Array.isArray(value)) return [...errors, `${at}: expected an object, got ${JSON.stringify(value)?.slice(0, 60)}`];
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in (value as object))) errors.push(`${at}: required field "${r}" missing`);
    // allOf carries the fields of the referenced schema: judged there.
    if (!schema.allOf) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (!(k in props)) errors.push(`${at}.${k}: not a field of the schema`);
        else errors.push(...validate(doc, props[k]!, v, `${at}.${k}`));
      }
    }
  } else if (type === 'array') {
    if (!Array.isArray(value)) return [...errors, `${at}: expected an array`];
    value.forEach((v, i) => errors.push(...validate(doc, (schema.items ?? {}) as Schema, v, `${at}[${i}]`)));
  } else if (type === 'string') {
    if (typeof value !== 'string') errors.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
  } else if (type === 'integer') {
    if (!Number.isInteger(value)) errors.push(`${at}: expected an integer, got ${JSON.stringify(value)}`);
  } else if (type === 'number') {
    if (typeof value !== 'number') errors.push(`${at}: expected a number, got ${JSON.stringify(value)}`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${at}: expected a boolean, got ${JSON.stringify(value)}`);
  }
  if (Array.isArray(schema.enum) && schema.enum.every((e) => typeof e !== 'object') && !schema.enum.includes(value as never)) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  return errors;
}
