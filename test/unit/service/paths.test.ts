import { describe, expect, it } from 'vitest';
import { resolveDataFile, userConfigDir } from '../../../src/app/paths.js';

describe('data file location', () => {
  it('prefers --data, then CONNECTOR_GATEWAY_DATA, then the user config directory', () => {
    expect(resolveDataFile('/x/d.json', { CONNECTOR_GATEWAY_DATA: '/y/d.json' })).toBe('/x/d.json');
    expect(resolveDataFile(undefined, { CONNECTOR_GATEWAY_DATA: '/y/d.json' })).toBe('/y/d.json');
    expect(resolveDataFile(undefined, { XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/mcp-connector-gateway/data.json');
    expect(resolveDataFile(undefined, {}, 'linux', '/home/u')).toBe('/home/u/.config/mcp-connector-gateway/data.json');
  });

  it('follows each platform convention', () => {
    expect(userConfigDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support');
    expect(userConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming');
  });
});
