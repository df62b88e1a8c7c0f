import { describe, expect, it } from 'vitest';
import { MASK, Scrubber, secretForms } from '../../../src/domain/secret-forms.js';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ sub: 'alice', scope: 'repo' })}.${'s1gnatureBytes_-'.repeat(4)}`;

describe('secret forms and the scrubber', () => {
  it('derives the raw value, URL/form encodings, base64 and a JWT’s parts', () => {
    const forms = secretForms('tok en/+=');
    expect(forms).toEqual(expect.arrayContaining(['tok en/+=', 'tok%20en%2F%2B%3D', 'tok+en%2F%2B%3D', Buffer.from('tok en/+=').toString('base64')]));
    expect(secretForms(JWT)).toEqual(expect.arrayContaining(JWT.split('.')));
  });

  it('masks Basic auth as Jira sends it: the header value, base64(email:token) and the token', () => {
    const token = 'ATATT3xFfGF0_jiraToken';
    const creds = Buffer.from(`ada@example.com:${token}`).toString('base64');
    const s = new Scrubber([token, `Basic ${creds}`]);
    const out = s.scrub(`sent Basic ${creds}; creds ${creds}; raw ${token}; url ${encodeURIComponent(token)}`);
    expect(out).not.toContain(token);
    expect(out).not.toContain(creds);
  });

  it('masks each part of a JWT seen on its own (a payload echoed back)', () => {
    const [head, payload, sig] = JWT.split('.');
    const out = new Scrubber([JWT]).scrub(`header ${head} payload ${payload} signature ${sig}`);
    for (const p of [head!, payload!, sig!]) expect(out).not.toContain(p);
  });

  it('clips after scrubbing: a secret cut by the length limit leaves no prefix', () => {
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const out = new Scrubber([secret]).clip(`${'x'.repeat(290)}${secret} tail`, 300);
    expect(out).not.toContain(secret.slice(0, 6));
    expect(out.startsWith('x'.repeat(290) + MASK)).toBe(true);
  });

  it('scrubCut masks the beginning of a secret left at the end of an already-cut text', () => {
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    expect(new Scrubber([secret]).scrubCut(`error: token ${secret.slice(0, 12)}`)).toBe(`error: token ${MASK}`);
  });

  it('scrubJson masks inside a structured result and leaves a clean one as it is', () => {
    const s = new Scrubber(['Bearer sekrit-token-123']);
    const leaked = { content: [{ type: 'text', text: 'you sent Bearer sekrit-token-123' }], structuredContent: { auth: 'sekrit-token-123' } };
    expect(JSON.stringify(s.scrubJson(leaked))).not.toContain('sekrit-token-123');
    const clean = { content: [{ type: 'text', text: 'ok' }] };
    expect(s.scrubJson(clean)).toBe(clean);
  });
});
