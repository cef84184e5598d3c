// Maps the `dcode.*` VS Code settings to the object the server reads (lsp/settings.py): flat camelCase keys,
// only the keys it knows, each of the type it checks. Pure, so the mapping is unit-tested.

export type ServerSettings = Record<string, string | number | boolean>;

type Kind = 'string' | 'boolean' | 'integer' | 'number' | readonly string[];

/** [VS Code key under `dcode.`, the server's key, the value's kind]. */
const MAPPING: ReadonlyArray<readonly [string, string, Kind]> = [
  ['engine', 'engine', 'string'],
  ['model', 'model', 'string'],
  ['serverUrl', 'serverUrl', 'string'],
  ['inlineSuggestions.enabled', 'enabled', 'boolean'],
  ['maxTokens', 'maxTokens', 'integer'],
  ['suggestions', 'suggestions', 'integer'],
  ['debounceMs', 'debounceMs', 'integer'],
  ['tested', 'tested', ['off', 'rank', 'require']],
  ['checkTimeoutS', 'checkTimeoutS', 'number'],
  ['diagnostics', 'diagnostics', 'boolean'],
  ['maxPrefixLines', 'maxPrefixLines', 'integer'],
  ['maxSuffixLines', 'maxSuffixLines', 'integer'],
];

/** Settings that the client itself uses; they never go to the server. */
export const CLIENT_ONLY = ['path', 'trace.server'] as const;

export interface Mapped {
  settings: ServerSettings;
  /** One line per value left out because of its type, for the log. */
  problems: string[];
}

/**
 * `get(key)` reads `dcode.<key>`. Every known key is sent, unset strings as "" (the server's "use dcode's own"),
 * because the server keeps a value it is not sent: a model the user cleared must be sent cleared.
 */
export function serverSettings(get: (key: string) => unknown): Mapped {
  const settings: ServerSettings = {};
  const problems: string[] = [];
  for (const [key, serverKey, kind] of MAPPING) {
    const value = get(key);
    if (value === undefined || value === null) {
      if (kind === 'string') settings[serverKey] = '';
      continue; // the server's default applies
    }
    if (fits(value, kind)) settings[serverKey] = kind === 'string' ? (value as string).trim() : (value as string | number | boolean);
    else problems.push(`dcode.${key}: ${JSON.stringify(value)} is not ${describe(kind)}; not sent`);
  }
  return { settings, problems };
}

function fits(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    default: return typeof value === 'string' && kind.includes(value);
  }
}

function describe(kind: Kind): string {
  return typeof kind === 'string' ? `a${kind === 'integer' ? 'n' : ''} ${kind}` : `one of ${kind.join(', ')}`;
}
