/** The JSON-schema `type` of a settings field: one type name or a list of them. */
export type SchemaType = string | string[];

/**
 * Reads `<prefix><FIELD>` environment variables for the given fields (MLServer's pydantic
 * `env_prefix`), each coerced by its schema type. Unset variables are left out, so the caller's
 * defaults and file values apply.
 */
export function readEnvFields(
  env: NodeJS.ProcessEnv,
  prefix: string,
  fields: Record<string, { type?: SchemaType }>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(fields)) {
    const raw = env[`${prefix}${field.toUpperCase()}`];
    if (raw === undefined) continue;
    result[field] = coerceEnvValue(raw, schema.type ?? 'string');
  }
  return result;
}

/**
 * Turns one environment string into the value its field expects: booleans from
 * true/false/1/0/yes/no/on/off, numbers, JSON for objects and lists, null from ''/null/none for
 * nullable fields. A value that does not fit is passed on as it is, so the schema reports it.
 */
export function coerceEnvValue(raw: string, type: SchemaType): unknown {
  const types = Array.isArray(type) ? type : [type];
  if (
    types.includes('null') &&
    (raw === '' || raw.toLowerCase() === 'null' || raw.toLowerCase() === 'none')
  ) {
    return null;
  }
  if (types.includes('boolean')) {
    const lower = raw.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
  }
  if (
    (types.includes('integer') || types.includes('number')) &&
    raw.trim() !== '' &&
    !Number.isNaN(Number(raw))
  ) {
    return Number(raw);
  }
  if (types.includes('object') || types.includes('array')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}
