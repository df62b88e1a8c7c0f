import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assignSlugs, dedupe, isValidToolName, slugify, toolName, MAX_TOOL_NAME } from '../../src/gateway/naming.js';

describe('tool naming', () => {
  it('slugifies configuration names', () => {
    expect(slugify('My GitHub')).toBe('my_github');
    expect(slugify('  Work — Jira (EU)  ')).toBe('work_jira_eu');
    expect(slugify('Café Öl')).toBe('cafe_ol');
    expect(slugify('!!!')).toBe('config');
  });

  it('keeps the first namesake plain and suffixes later ones by id', () => {
    const slugs = assignSlugs([
      { id: 'pconf_a', name: 'GitHub' },
      { id: 'pconf_b', name: 'github' },
      { id: 'pconf_c', name: 'Other' },
    ]);
    expect(slugs.get('pconf_a')).toBe('github');
    expect(slugs.get('pconf_b')).toMatch(/^github_[0-9a-f]{6}$/);
    expect(slugs.get('pconf_c')).toBe('other');
    // Stable: the same input gives the same output.
    expect(assignSlugs([{ id: 'pconf_a', name: 'GitHub' }, { id: 'pconf_b', name: 'github' }]).get('pconf_b')).toBe(slugs.get('pconf_b'));
  });

  it('shortens long names with a hash and keeps them distinct', () => {
    const long = 'a'.repeat(80);
    const n1 = toolName('slug', long);
    const n2 = toolName('slug', `${long}b`);
    expect(n1.length).toBeLessThanOrEqual(MAX_TOOL_NAME);
    expect(n1).not.toBe(n2);
    expect(toolName('gh', 'get.file/contents')).toMatch(/^gh_get_file_contents_[0-9a-f]{8}$/);
  });

  it('property: names are always valid, unique and deterministic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.stringMatching(/^pconf_[A-Za-z0-9]{1,10}$/), name: fc.string({ maxLength: 120 }) }), { maxLength: 8 }),
        fc.array(fc.string({ minLength: 1, maxLength: 100 }), { minLength: 1, maxLength: 6 }),
        (configs, tools) => {
          const unique = [...new Map(configs.map((c) => [c.id, c])).values()];
          const slugs = assignSlugs(unique);
          const raw = unique.flatMap((c) => tools.map((t) => ({ name: toolName(slugs.get(c.id) ?? 'x', t), key: `${c.id}/${t}` })));
          const names = dedupe(raw);
          expect(new Set(names).size).toBe(names.length);
          for (const n of names) expect(isValidToolName(n)).toBe(true);
          expect(dedupe(raw)).toEqual(names);
        },
      ),
      { numRuns: 300 },
    );
  });
});
