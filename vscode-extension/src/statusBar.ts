// The status bar item: model, state, tokens/s and the last suggestion's verdict. While the client runs it asks
// the server's `dcode/status` every few seconds (that is how "loading" becomes "ready"); otherwise it asks nothing.
import * as vscode from 'vscode';
import type { DcodeServer, StateChange } from './server';
import { readStatus, statusText, View } from './statusText';

const POLL_MS = 3000;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private view: View = { state: 'stopped', info: {}, enabled: true };
  private timer: ReturnType<typeof setInterval> | undefined;
  private asking = false;

  constructor(private readonly server: DcodeServer) {
    this.item = vscode.window.createStatusBarItem('dcode.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'dcode';
    this.item.command = 'dcode.showLog';
    this.view.enabled = enabledSetting();
    this.disposables.push(
      this.item,
      server.onDidChangeState((change) => this.stateChanged(change)),
      server.onDidReceiveVerdict((verdict) => this.update({ verdict })),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('dcode.inlineSuggestions.enabled')) this.update({ enabled: enabledSetting() });
      }),
    );
    this.render();
    this.item.show();
  }

  dispose(): void {
    this.stopPolling();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private stateChanged({ state, detail }: StateChange): void {
    if (state === 'loading') {
      this.update({ state, detail });
      this.startPolling();
    } else {
      this.stopPolling();
      this.update({ state, detail, verdict: state === 'starting' ? undefined : this.view.verdict });
    }
  }

  private startPolling(): void {
    if (this.timer === undefined) this.timer = setInterval(() => void this.poll(), POLL_MS);
    void this.poll();
  }

  private stopPolling(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    const client = this.server.running;
    if (!client || this.asking) return; // one question at a time: a server busy loading answers late
    this.asking = true;
    try {
      // `{}`, not no params: pygls cannot read a request without a `params` member.
      const info = readStatus(await client.sendRequest('dcode/status', {}));
      // An answer that comes after a stop must not bring "ready" back.
      if (this.timer !== undefined && this.server.running === client) {
        this.update({ info, state: info.loaded ? 'ready' : info.loadError ? 'error' : 'loading',
                      detail: info.loadError });
      }
    } catch {
      // The server is stopping or too old for dcode/status: the state events say what matters.
    } finally {
      this.asking = false;
    }
  }

  private update(change: Partial<View>): void {
    this.view = { ...this.view, ...change };
    this.render();
  }

  private render(): void {
    const { text, tooltip } = statusText(this.view);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = this.view.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}

function enabledSetting(): boolean {
  return vscode.workspace.getConfiguration('dcode').get<boolean>('inlineSuggestions.enabled', true);
}
