/**
 * The task file codec: `KEY=value` lines, the key being the text before the first `=`.
 *
 * A value is written as is unless it holds a line break or NUL; such a value is written as
 * `KEY:json="…"` (a JSON string), so a newline in a value can never inject another key.
 * Hand-written files mean literally what they say: ordinary values get no escape processing.
 */

/** The file's lines as ordered key/value pairs; repeated keys (ENV, the result record) are kept. */
export type Fields = Array<[key: string, value: string]>;

const JSON_SUFFIX = ':json';
const NEEDS_JSON = /[\n\r\0]/;
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function encodeField(key: string, value: string): string {
  if (!KEY.test(key)) throw new Error(`invalid key ${JSON.stringify(key)}`);
  return NEEDS_JSON.test(value) ? `${key}${JSON_SUFFIX}=${JSON.stringify(value)}\n` : `${key}=${value}\n`;
}

export function encode(fields: Fields): string {
  let out = '';
  for (const [k, v] of fields) out += encodeField(k, v);
  return out;
}

/** Parse text; throws an Error whose message says which line is wrong. Blank and `#` lines are skipped. */
export function decode(text: string): Fields {
  const fields: Fields = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1} is not KEY=value`);
    let key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (key.endsWith(JSON_SUFFIX)) {
      key = key.slice(0, -JSON_SUFFIX.length);
      try {
        value = JSON.parse(value);
      } catch {
        throw new Error(`line ${i + 1}: ${key}${JSON_SUFFIX} is not a JSON string`);
      }
      if (typeof value !== 'string') throw new Error(`line ${i + 1}: ${key}${JSON_SUFFIX} is not a JSON string`);
    }
    if (!KEY.test(key)) throw new Error(`line ${i + 1}: bad key ${JSON.stringify(key.slice(0, 40))}`);
    fields.push([key, value]);
  }
  return fields;
}

/** The last value of a key (appended records override earlier ones), or undefined. */
export function last(fields: Fields, key: string): string | undefined {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i][0] === key) return fields[i][1];
  return undefined;
}

/** Every value of a repeated key, in order. */
export function all(fields: Fields, key: string): string[] {
  return fields.filter(([k]) => k === key).map(([, v]) => v);
}
