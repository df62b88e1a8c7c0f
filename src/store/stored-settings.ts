import { z } from 'zod';
import type { StoredSettings, StoredSettingsPatch } from './types.js';

export const StoredSettingsSchema = z.strictObject({
  allow_loopback: z.boolean().optional(),
  allow_private: z.boolean().optional(),
  updated_at: z.iso.datetime({ offset: true }).optional(),
});

/** The settings after `patch`: `null` removes a field, `undefined` leaves it. */
export function applySettingsPatch(current: StoredSettings, patch: StoredSettingsPatch, now: Date = new Date()): StoredSettings {
  const next: StoredSettings = { ...current };
  for (const key of ['allow_loopback', 'allow_private'] as const) {
    const v = patch[key];
    if (v === null) delete next[key];
    else if (v !== undefined) next[key] = v;
  }
  next.updated_at = now.toISOString();
  return next;
}
