import { ResourceNotFoundError, type ReadResourceResult, type Resource, type ResourceTemplateType } from '@modelcontextprotocol/server';
import { PNG_BASE64, TEXT, URI } from './content.js';

/** The watched resource's text: shared by every session, changed through the fixture's hook. */
export interface WatchedResource {
  text: string;
}

export const RESOURCE_LIST: Resource[] = [
  { uri: URI.staticText, name: 'static-text', title: 'Static Text Resource', description: 'A static text resource for testing', mimeType: 'text/plain' },
  { uri: URI.staticBinary, name: 'static-binary', title: 'Static Binary Resource', description: 'A static binary resource (image) for testing', mimeType: 'image/png' },
  { uri: URI.watched, name: 'watched-resource', title: 'Watched Resource', description: 'A resource whose updates are announced to subscribers', mimeType: 'text/plain' },
];

export const RESOURCE_TEMPLATE_LIST: ResourceTemplateType[] = [
  { uriTemplate: URI.template, name: 'template', title: 'Resource Template', description: 'A resource template with parameter substitution', mimeType: 'application/json' },
];

const TEMPLATE = /^test:\/\/template\/([^/]+)\/data$/;

export function readResource(uri: string, watched: WatchedResource): ReadResourceResult {
  switch (uri) {
    case URI.staticText:
      return { contents: [{ uri, mimeType: 'text/plain', text: TEXT.staticText }] };
    case URI.staticBinary:
      return { contents: [{ uri, mimeType: 'image/png', blob: PNG_BASE64 }] };
    case URI.watched:
      return { contents: [{ uri, mimeType: 'text/plain', text: watched.text }] };
  }
  const match = TEMPLATE.exec(uri);
  if (match?.[1] !== undefined) {
    const id = decodeURIComponent(match[1]);
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }] };
  }
  throw new ResourceNotFoundError(uri, `Resource not found: ${uri}`);
}

/** Template ids offered by completion: a fixed small set, filtered by the typed prefix. */
export const TEMPLATE_IDS = ['1', '2', '3', '123', '456'];
