// What the status bar says, from the client's state, the server's `dcode/status` answer and the last
// suggestion's verdict. Pure: the formatting and the reading of an answer from an older or newer server
// (fields missing, of other types) are unit-tested.
import { shortVerdict, Verdict } from './verdict';

export type State = 'starting' | 'loading' | 'ready' | 'stopped' | 'error';

/** The parts of `dcode/status` the status bar uses; every field may be missing. */
export interface ServerInfo {
  loaded?: boolean;
  /** Why the model could not be loaded (the server keeps running and says so here). */
  loadError?: string;
  model?: string;
  tokensPerS?: number;
  requests?: number;
  accepted?: number;
  lastMs?: number;
}

export function readStatus(raw: unknown): ServerInfo {
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const settings = typeof r.settings === 'object' && r.settings !== null ? (r.settings as Record<string, unknown>) : {};
  // `model` is the loaded model's name (newer servers); older ones only echo the setting.
  const model = typeof r.model === 'string' && r.model ? r.model
    : typeof settings.model === 'string' && settings.model ? settings.model : undefined;
  return {
    loaded: typeof r.loaded === 'boolean' ? r.loaded : undefined,
    loadError: typeof r.load_error === 'string' && r.load_error ? r.load_error : undefined,
    model,
    tokensPerS: num(r.tokens_per_s),
    requests: num(r.requests),
    accepted: num(r.accepted),
    lastMs: num(r.last_ms),
  };
}

export interface View {
  state: State;
  info: ServerInfo;
  verdict?: Verdict;
  enabled: boolean;
  /** Why the state is "error" or "stopped", when known. */
  detail?: string;
}

const ICONS: Record<State, string> = {
  starting: '$(loading~spin)', loading: '$(loading~spin)', ready: '$(sparkle)', stopped: '$(circle-slash)', error: '$(error)',
};

/** "$(sparkle) dcode gemma-3-270m ready · 41 tok/s · $(pass) 3/3 area" */
export function statusText(v: View): { text: string; tooltip: string } {
  const parts = [`${ICONS[v.state]} dcode${v.info.model ? ' ' + v.info.model : ''} ${v.state}`];
  if (v.state === 'ready' && v.info.tokensPerS !== undefined) parts.push(`${formatRate(v.info.tokensPerS)} tok/s`);
  if (!v.enabled) parts.push('suggestions off');
  else if (v.verdict && (v.state === 'ready' || v.state === 'loading')) parts.push(shortVerdict(v.verdict));
  const tooltip = [
    `dcode: ${v.state}${v.detail ? ` (${v.detail})` : ''}`,
    `model: ${v.info.model ?? 'dcode\'s default'}`,
    v.info.tokensPerS !== undefined ? `last generation: ${formatRate(v.info.tokensPerS)} tokens/s` : undefined,
    v.info.lastMs !== undefined ? `last suggestion: ${Math.round(v.info.lastMs)} ms` : undefined,
    v.info.requests !== undefined ? `suggestions asked: ${v.info.requests}, accepted: ${v.info.accepted ?? 0}` : undefined,
    `inline suggestions: ${v.enabled ? 'on' : 'off'}`,
    v.verdict ? `last suggestion's examples: ${v.verdict.title}` : undefined,
    'Click to show the log.',
  ].filter((line): line is string => line !== undefined);
  return { text: parts.join(' · '), tooltip: tooltip.join('\n') };
}

function formatRate(rate: number): string {
  return rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1);
}
