import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adfToText, textToAdf, type AdfNode } from './adf.js';

describe('textToAdf', () => {
  it('makes paragraphs from blank-line separated blocks and hard breaks from newlines', () => {
    expect(textToAdf('One\ntwo\r\n\r\n  \n\nThree')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'One' }, { type: 'hardBreak' }, { type: 'text', text: 'two' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Three' }] },
      ],
    });
  });

  it('gives an empty document for blank text', () => {
    expect(textToAdf(' \n\n ')).toEqual({ type: 'doc', version: 1, content: [] });
  });

  it('never emits an empty text node, and round-trips through adfToText', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '\t', 'é', '*') }), (text) => {
        const doc = textToAdf(text);
        const walk = (n: AdfNode): boolean => (n.type !== 'text' || (n.text ?? '') !== '') && (n.content ?? []).every(walk);
        expect(doc.content.every(walk)).toBe(true);
        expect(textToAdf(adfToText(doc))).toEqual(doc);
      }),
    );
  });
});

describe('adfToText', () => {
  it('renders the common Jira nodes as readable text', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Title' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Hi ' }, { type: 'mention', attrs: { id: 'abc', text: '@Ada' } }, { type: 'text', text: ' see ' }, { type: 'inlineCard', attrs: { url: 'https://x.test' } }] },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] }, { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'two' }] }] }] },
        { type: 'orderedList', attrs: { order: 3 }, content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'three' }] }] }] },
        { type: 'codeBlock', attrs: { language: 'ts' }, content: [{ type: 'text', text: 'let x = 1;' }] },
        { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'quoted' }] }] },
        { type: 'rule' },
        { type: 'table', content: [{ type: 'tableRow', content: [{ type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'A' }] }] }, { type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'B' }] }] }] }] },
        { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'f' } }] },
        { type: 'panel', attrs: { panelType: 'info' }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'note' }] }] },
      ],
    };
    expect(adfToText(doc)).toBe(
      ['Title', 'Hi @Ada see https://x.test', '- one\n- two', '3. three', '```\nlet x = 1;\n```', '> quoted', '---', 'A | B', '[attachment]', 'note'].join('\n\n'),
    );
  });

  it('tolerates null, strings and malformed trees', () => {
    expect(adfToText(null)).toBe('');
    expect(adfToText('plain')).toBe('plain');
    expect(adfToText({ type: 'doc', content: 'nope' })).toBe('');
  });
});
