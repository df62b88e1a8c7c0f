import type { ApiError, JsonSchema } from './api.js';
import { errorFor, FieldError } from './fields.js';

/**
 * Fields generated from a JSON Schema object (a connector's configuration schema, a tool's input
 * schema). Values are kept as the strings the user typed, so nothing is lost or reformatted while
 * editing; `collect` turns them into JSON at submit and names the field it cannot read.
 */
export type RawValues = Record<string, string>;

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'string-list' | 'json';

function typeOf(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  if (s.type) return s.type;
  const alt = s.anyOf ?? s.oneOf;
  return alt ? alt.map(typeOf).find((t) => t !== undefined && t !== 'null') : undefined;
}

export function kindOf(s: JsonSchema): Kind {
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) return 'enum';
  const t = typeOf(s);
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean') return t;
  if (t === 'array' && s.items && typeOf(s.items) === 'string') return 'string-list';
  return 'json';
}

/** The raw strings for an existing value (edit forms). */
export function toRaw(schema: JsonSchema, value: Record<string, unknown> | undefined): RawValues {
  const out: RawValues = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const v = value?.[name];
    if (v === undefined || v === null) continue;
    const k = kindOf(prop);
    out[name] = k === 'string-list' && Array.isArray(v) ? v.join('\n') : k === 'json' ? JSON.stringify(v, null, 2) : String(v);
  }
  return out;
}

export class FieldProblem extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON from the raw strings; empty fields are left out (or null when `clearWith` lists them: a PATCH removes them). */
export function collect(schema: JsonSchema, raw: RawValues, paramPrefix: string, clear: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const text = (raw[name] ?? '').trim();
    const param = paramPrefix ? `${paramPrefix}.${name}` : name;
    if (text === '') {
      if (clear.includes(name)) out[name] = null;
      continue;
    }
    switch (kindOf(prop)) {
      case 'number':
      case 'integer': {
        const n = Number(text);
        if (!Number.isFinite(n) || (kindOf(prop) === 'integer' && !Number.isInteger(n))) throw new FieldProblem(param, `${param}: must be ${kindOf(prop) === 'integer' ? 'a whole number' : 'a number'}`);
        out[name] = n;
        break;
      }
      case 'boolean':
        out[name] = text === 'true';
        break;
      case 'string-list':
        out[name] = text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '');
        break;
      case 'json':
        try {
          out[name] = JSON.parse(text) as unknown;
        } catch {
          throw new FieldProblem(param, `${param}: must be JSON`);
        }
        break;
      default:
        out[name] = text;
    }
  }
  return out;
}

function label(name: string, prop: JsonSchema): string {
  return prop.title ?? name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function SchemaFields(props: { idPrefix: string; paramPrefix: string; schema: JsonSchema; values: RawValues; onChange: (v: RawValues) => void; error: ApiError | undefined }) {
  const required = new Set(props.schema.required ?? []);
  const entries = Object.entries(props.schema.properties ?? {});
  if (entries.length === 0) return <p class="hint">No settings.</p>;
  return (
    <>
      {entries.map(([name, prop]) => {
        const id = `${props.idPrefix}-${name}`;
        const param = props.paramPrefix ? `${props.paramPrefix}.${name}` : name;
        const err = errorFor(props.error, param);
        const value = props.values[name] ?? '';
        const set = (v: string) => props.onChange({ ...props.values, [name]: v });
        const kind = kindOf(prop);
        const hasHint = Boolean(prop.description) || kind === 'string-list' || kind === 'json';
        const described = [hasHint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
        const common = { id, name: param, 'aria-invalid': err ? ('true' as const) : undefined, 'aria-describedby': described, required: required.has(name) };
        let control;
        if (kind === 'boolean') {
          control = (
            <select {...common} value={value} onChange={(e) => set(e.currentTarget.value)}>
              <option value="">(not set)</option>
              <option value="true">yes</option>
              <option value="false">no</option>
            </select>
          );
        } else if (kind === 'enum') {
          control = (
            <select {...common} value={value} onChange={(e) => set(e.currentTarget.value)}>
              <option value="">(not set)</option>
              {(prop.enum as string[]).map((v) => (
                <option value={v} key={v}>
                  {v}
                </option>
              ))}
            </select>
          );
        } else if (kind === 'string-list' || kind === 'json') {
          control = <textarea {...common} value={value} spellcheck={false} onInput={(e) => set(e.currentTarget.value)} />;
        } else {
          const onInput = (e: { currentTarget: HTMLInputElement }) => set(e.currentTarget.value);
          if (kind === 'number' || kind === 'integer') {
            control = <input {...common} type="number" value={value} autocomplete="off" onInput={onInput} {...(prop.minimum !== undefined ? { min: prop.minimum } : {})} {...(prop.maximum !== undefined ? { max: prop.maximum } : {})} />;
          } else {
            const text = { ...common, value, spellcheck: false, autocomplete: 'off', onInput };
            control = prop.format === 'uri' ? <input {...text} type="url" /> : prop.format === 'email' ? <input {...text} type="email" /> : <input {...text} type="text" />;
          }
        }
        return (
          <div class="field" key={name}>
            <label for={id}>
              {label(name, prop)}
              {required.has(name) ? ' (required)' : ''}
            </label>
            {hasHint ? (
              <p class="hint" id={`${id}-hint`}>
                {prop.description ?? ''}
                {kind === 'string-list' ? ' One per line.' : kind === 'json' ? ' JSON.' : ''}
              </p>
            ) : null}
            {control}
            <FieldError id={`${id}-error`} error={err} />
          </div>
        );
      })}
    </>
  );
}
