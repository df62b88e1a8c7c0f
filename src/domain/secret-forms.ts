/**
 * The one scrubbing policy: every form in which a credential can show up in text that came back
 * from elsewhere (an upstream error body, a tool result, an exception message) is replaced by ***,
 * and always before anything is cut to length, so half a secret never survives as a prefix.
 */
export const MASK = '***';
/** Shorter values are not secrets worth hiding (and would mask ordinary words). */
const MIN_FORM = 6;

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/**
 * What the wire can carry of `secret`: itself, URL- and form-encoded, base64 and base64url (padded
 * or not), JSON-escaped, and for a JWT each of its three parts. A header value ("Bearer x",
 * "Basic base64(email:token)") is passed as a secret of its own, so its forms are covered too, and
 * a Basic value's decoded `user:password` as well.
 */
export function secretForms(secret: string): string[] {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    if (v !== undefined && v.length >= MIN_FORM) out.add(v);
  };
  const base = [secret];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(secret)?.[1];
  if (basic) base.push(Buffer.from(basic, 'base64').toString('utf8'));
  const bearer = /^(?:Bearer|Token)\s+(\S+)$/i.exec(secret)?.[1];
  if (bearer) base.push(bearer);
  for (const s of base) {
    add(s);
    add(encodeURIComponent(s));
    add(new URLSearchParams({ v: s }).toString().slice(2));
    add(JSON.stringify(s).slice(1, -1));
    const std = b64(s);
    add(std);
    add(std.replace(/=+$/, ''));
    add(Buffer.from(s, 'utf8').toString('base64url'));
    const jwt = s.split('.');
    if (jwt.length === 3 && jwt.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) for (const part of jwt) add(part);
  }
  return [...out];
}

/** A scrubber for a set of secrets; build it once per request or call, use it on every text. */
export class Scrubber {
  /** Longest first: a form that contains another is replaced whole. */
  readonly #forms: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const all = new Set<string>();
    for (const s of secrets) if (s) for (const f of secretForms(s)) all.add(f);
    this.#forms = [...all].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.#forms.length === 0;
  }

  /** Whether any form of a secret occurs in these bytes (UTF-8). */
  occursIn(bytes: Buffer): boolean {
    return this.#forms.some((f) => bytes.includes(f));
  }

  scrub(text: string): string {
    let out = text;
    for (const f of this.#forms) if (out.includes(f)) out = out.split(f).join(MASK);
    return out;
  }

  /**
   * For a text that was already cut (a body read up to a byte limit): also masks a tail that is the
   * beginning of a secret form, which the cut would otherwise leave standing.
   */
  scrubCut(text: string): string {
    const out = this.scrub(text);
    for (const f of this.#forms) {
      for (let n = Math.min(f.length - 1, out.length); n >= 4; n--) {
        if (out.endsWith(f.slice(0, n))) return out.slice(0, out.length - n) + MASK;
      }
    }
    return out;
  }

  /** Scrubs, then shortens to `max` characters (with an ellipsis). */
  clip(text: string, max: number): string {
    const out = this.scrub(text);
    return out.length > max ? `${out.slice(0, max - 1)}…` : out;
  }

  /** Every string inside a JSON value (a tool result), scrubbed; the value itself is not touched. */
  scrubJson<T>(value: T): T {
    if (this.empty || value === undefined) return value;
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return value;
    const clean = this.scrub(text);
    return clean === text ? value : (JSON.parse(clean) as T);
  }
}
