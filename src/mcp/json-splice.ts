import { isUtf8 } from 'node:buffer';

/**
 * Relaying a large JSON-RPC response without decoding it. The gateway changes only the envelope
 * of a `tools/call` answer (the id, the result's `_meta` and era fields), yet decoding 8 MiB into
 * strings, parsing and re-serializing it cost three times the CPU its client spends reading it,
 * most of it in garbage collection (bench/RESULTS.md, large results). Here the bytes are checked
 * to be valid JSON in one pass, the result's members are located, and only a small skeleton (the
 * envelope, each other member of the result stood in for by a placeholder) goes through the usual
 * parse → translate → serialize; the untouched members are copied from the upstream's bytes.
 */

/** Result members the translation reads or rewrites: they stay in the skeleton as they are. */
const ENVELOPE_MEMBERS = new Set(['_meta', 'resultType', 'ttlMs', 'cacheScope', 'isError']);

export interface Skeleton {
  /** The response with each placeholder standing in for a result member's value; small. */
  text: string;
  /** Placeholder token → the member's value as the upstream sent it, and the placeholder's serialized form. */
  spans: Map<string, { bytes: Buffer; placeholder: string }>;
}

/**
 * A placeholder of the same JSON type as the value it stands for, so a translation that asks
 * whether a member is an object (structuredContent) gets the answer the whole value would give.
 */
function placeholderFor(first: number | undefined, mark: string): string | undefined {
  if (first === 0x7b) return `{${JSON.stringify(mark)}:0}`;
  if (first === 0x5b) return `[${JSON.stringify(mark)}]`;
  if (first === QUOTE) return JSON.stringify(mark);
  return undefined; // a number or literal: small, stays as it is
}

/** A token no serialization of the skeleton can contain unless it was put there by us. */
const MARK = 'cgw-splice-';

/**
 * The skeleton of a valid UTF-8 JSON object whose `result` member is an object, or undefined
 * (malformed, another shape, duplicate keys, a placeholder token already present): the caller then
 * takes the ordinary path, which also reports what is wrong.
 */
export function skeletonOf(buf: Buffer): Skeleton | undefined {
  if (!isUtf8(buf)) return undefined;
  const s = new Scanner(buf);
  let top: Member[] | undefined;
  try {
    s.ws();
    top = s.object(true);
    s.ws();
    if (!top || s.i !== buf.length) return undefined;
  } catch {
    return undefined; // nested too deep for the stack: the ordinary path decides
  }
  const result = top.find((m) => m.key === 'result');
  if (!result?.members || hasDuplicates(top) || hasDuplicates(result.members)) return undefined;
  const spans: Skeleton['spans'] = new Map();
  const parts: Buffer[] = [buf.subarray(0, result.valueStart), Buffer.from('{')];
  result.members.forEach((m, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(buf.subarray(m.keyStart, m.valueStart));
    const mark = `${MARK}${i}`;
    const placeholder = ENVELOPE_MEMBERS.has(m.key) ? undefined : placeholderFor(buf[m.valueStart], mark);
    if (placeholder === undefined) parts.push(buf.subarray(m.valueStart, m.valueEnd));
    else {
      spans.set(mark, { bytes: buf.subarray(m.valueStart, m.valueEnd), placeholder });
      parts.push(Buffer.from(placeholder));
    }
  });
  parts.push(Buffer.from('}'), buf.subarray(result.valueEnd));
  const text = Buffer.concat(parts).toString('utf8');
  // Placeholders are recognised by their token: the envelope itself must not hold one.
  if (countOf(text, MARK) !== spans.size) return undefined;
  return { text, spans };
}

/**
 * The serialized, translated skeleton with the upstream's bytes put back where its placeholders
 * are (a translation may drop a member, so only those present are filled). In order, for one write.
 */
export function fillSkeleton(serialized: string, spans: Skeleton['spans']): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (let at = serialized.indexOf(`"${MARK}`); at >= 0; at = serialized.indexOf(`"${MARK}`, at + 1)) {
    const span = spans.get(serialized.slice(at + 1, serialized.indexOf('"', at + 1)));
    if (!span) continue;
    // The token sits one character into an object or array placeholder, at the start of a string one.
    const start = span.placeholder.startsWith('"') ? at : at - 1;
    if (start < from || !serialized.startsWith(span.placeholder, start)) continue;
    out.push(Buffer.from(serialized.slice(from, start)), span.bytes);
    from = start + span.placeholder.length;
  }
  out.push(Buffer.from(serialized.slice(from)));
  return out;
}

interface Member {
  key: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
  /** The value's own members, for the top-level `result` only. */
  members?: Member[];
}

function hasDuplicates(members: Member[]): boolean {
  return new Set(members.map((m) => m.key)).size !== members.length;
}

function countOf(text: string, token: string): number {
  let n = 0;
  for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length)) n++;
  return n;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A JSON validator over bytes (RFC 8259, as JSON.parse accepts it) that records object members where asked. */
class Scanner {
  i = 0;
  constructor(private readonly b: Buffer) {}

  ws(): void {
    const b = this.b;
    let i = this.i;
    while (i < b.length) {
      const c = b[i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.i = i;
  }

  /** At `{`: its members (with the `result` member's own when `top`), or undefined if invalid. */
  object(top: boolean): Member[] | undefined {
    const b = this.b;
    if (b[this.i] !== 0x7b) return undefined;
    this.i++;
    const members: Member[] = [];
    this.ws();
    if (b[this.i] === 0x7d) {
      this.i++;
      return members;
    }
    for (;;) {
      const keyStart = this.i;
      if (!this.string()) return undefined;
      const keyEnd = this.i;
      this.ws();
      if (b[this.i] !== 0x3a) return undefined;
      this.i++;
      this.ws();
      const valueStart = this.i;
      const key = JSON.parse(b.toString('utf8', keyStart, keyEnd)) as string;
      const member: Member = { key, keyStart, valueStart, valueEnd: 0 };
      if (top && key === 'result' && b[this.i] === 0x7b) {
        const inner = this.object(false);
        if (!inner) return undefined;
        member.members = inner;
      } else if (!this.value()) return undefined;
      member.valueEnd = this.i;
      members.push(member);
      this.ws();
      const c = b[this.i];
      this.i++;
      if (c === 0x7d) return members;
      if (c !== 0x2c) return undefined;
      this.ws();
    }
  }

  value(): boolean {
    const c = this.b[this.i];
    if (c === QUOTE) return this.string();
    if (c === 0x7b) return this.object(false) !== undefined;
    if (c === 0x5b) return this.array();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    return this.number();
  }

  private array(): boolean {
    const b = this.b;
    this.i++;
    this.ws();
    if (b[this.i] === 0x5d) {
      this.i++;
      return true;
    }
    for (;;) {
      if (!this.value()) return false;
      this.ws();
      const c = b[this.i];
      this.i++;
      if (c === 0x5d) return true;
      if (c !== 0x2c) return false;
      this.ws();
    }
  }

  private string(): boolean {
    const b = this.b;
    if (b[this.i] !== QUOTE) return false;
    let i = this.i + 1;
    for (;;) {
      // The quote that may end it, found natively; what lies before it is checked byte by byte.
      const q = b.indexOf(QUOTE, i);
      if (q < 0) return false;
      for (; i < q; i++) {
        const c = b[i]!;
        if (c < 0x20) return false;
        if (c === BACKSLASH) {
          const e = b[i + 1];
          if (e === 0x75) {
            for (let k = 2; k < 6; k++) if (!isHex(b[i + k])) return false;
            i += 5;
          } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i++;
          else return false;
        }
      }
      // An escape can run past the quote it found (`\"`): then the string goes on.
      if (i === q) {
        this.i = q + 1;
        return true;
      }
    }
  }

  private literal(word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.b[this.i + k] !== word.charCodeAt(k)) return false;
    this.i += word.length;
    return true;
  }

  private number(): boolean {
    const b = this.b;
    let i = this.i;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i]) && b[i] !== 0x30) while (isDigit(b[i])) i++;
    else return false;
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    this.i = i;
    return true;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
