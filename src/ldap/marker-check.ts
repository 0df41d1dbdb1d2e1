// `check`'s look at the change marker (docs/incremental.md): which one the
// directory offers, and whether the bind account sees it on a user and a group.
import type { Client } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import { errorMessage } from '../log/error-message.js';
import { readMarkerState } from './change-markers.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, EntryValues } from './entry-values.js';
import { markerAttributes } from './vendors.js';

export interface MarkerInspection {
  /** Incremental runs would find what they need. */
  usable: boolean;
  detail: string;
}

/** The marker values of the first entry the filter finds: a description, or why there is none. */
async function firstEntryMarker(client: Client, settings: LdapSettings, filter: string, attributes: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const { searchEntries } = await client.search(settings.base, { scope: 'sub', filter, sizeLimit: 1, attributes, explicitBufferAttributes: ALL_ATTRIBUTES_AS_BUFFERS });
    const entry = searchEntries[0];
    if (!entry) return { ok: true, text: `no entry matches ${filter}` };
    const values = new EntryValues(entry);
    const present = attributes.filter((a) => values.first(a) !== undefined);
    const missing = attributes.filter((a) => values.first(a) === undefined);
    const text = [present.length > 0 ? `carries ${present.join(' and ')}` : '', missing.length > 0 ? `has no ${missing.join(' and no ')}` : ''].filter(Boolean).join(', ');
    return { ok: present[0] === attributes[0], text: `${entry.dn} ${text}` };
  } catch (error) {
    return { ok: false, text: `${filter}: ${errorMessage(error)}` };
  }
}

/** Reads the root DSE and one user and one group with the marker attributes. Never throws. */
export async function inspectChangeMarker(client: Client, settings: LdapSettings): Promise<MarkerInspection> {
  const state = await readMarkerState(client);
  const attributes = markerAttributes(state.marker);
  const facts: string[] = [];
  let usable = true;
  if (state.marker.kind === 'usn') {
    usable = state.highestCommittedUsn !== undefined && state.dsServiceName !== undefined;
    facts.push(`highestCommittedUSN=${state.highestCommittedUsn ?? '(none)'} on ${state.dsServiceName ?? '(no dsServiceName)'}`);
  }
  for (const filter of [settings.userFilter, settings.groupFilter]) {
    const seen = await firstEntryMarker(client, settings, filter, attributes);
    usable &&= seen.ok;
    facts.push(seen.text);
  }
  const verdict = usable ? 'incremental runs can follow changes' : `incremental runs would all be full (marker-unavailable): the bind account must read ${state.marker.attribute}`;
  return { usable, detail: `${state.marker.attribute} (${state.vendor.label}); ${facts.join('; ')}; ${verdict}` };
}
