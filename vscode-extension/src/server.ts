// Owns the language client: finds dcode, starts `dcode lsp` over stdio, restarts it when it dies (within
// the restart policy), mirrors the settings, and tells the status bar what state it is in.
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  CloseAction, DidChangeConfigurationNotification, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions,
  State as ClientState,
} from 'vscode-languageclient/node';
import { findDcode, Found, isExecutableFile } from './findDcode';
import { MAX_RESTARTS, RestartPolicy, WINDOW_MS } from './restartPolicy';
import { ServerSettings, serverSettings } from './settings';
import type { State } from './statusText';
import { CommandLike, Verdict, verdictOf } from './verdict';

export interface StateChange {
  state: State;
  detail?: string;
}

export class DcodeServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private clientListeners: vscode.Disposable[] = [];
  private readonly policy = new RestartPolicy();
  private gaveUp = false;
  // Starts and stops run one after another: a restart asked for while a start runs must not leave two servers.
  private queue: Promise<void> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<StateChange>();
  private readonly verdictEmitter = new vscode.EventEmitter<Verdict>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidReceiveVerdict = this.verdictEmitter.event;
  /** The executable the last start found (the terminal's `dcode solve` uses it too). */
  executable: string | undefined;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** The client, when it is running: what requests go to. */
  get running(): LanguageClient | undefined {
    return this.client?.state === ClientState.Running ? this.client : undefined;
  }

  locate(): Found {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    return findDcode({
      setting: vscode.workspace.getConfiguration('dcode').get<string>('path'),
      workspaceFolders: folders,
      pathEnv: process.env.PATH,
      pathExt: process.env.PATHEXT,
      home: os.homedir(),
      platform: process.platform,
      isExecutable: isExecutableFile,
    });
  }

  start(): Promise<void> {
    return this.enqueue(() => this.startNow());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow());
  }

  /** A restart the user asked for (command, dcode.path changed): finds dcode again and counts crashes afresh. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopNow();
      await this.startNow();
    });
  }

  /** The settings as the server reads them; problems (a value of the wrong type) go to the log. */
  settings(): ServerSettings {
    const config = vscode.workspace.getConfiguration('dcode');
    const { settings, problems } = serverSettings((key) => config.get(key));
    for (const problem of problems) this.output.warn(`dcode: ${problem}`);
    return settings;
  }

  /** didChangeConfiguration with every setting: the server keeps what it is not sent. */
  async sendSettings(): Promise<void> {
    const client = this.running;
    if (client) await client.sendNotification(DidChangeConfigurationNotification.type, { settings: this.settings() });
  }

  dispose(): Promise<void> {
    const stopped = this.stop();
    this.stateEmitter.dispose();
    this.verdictEmitter.dispose();
    return stopped;
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(job, job).catch((error) => this.output.error(`dcode: ${String(error)}`));
    return this.queue;
  }

  private setState(state: State, detail?: string): void {
    this.stateEmitter.fire({ state, detail });
  }

  private async startNow(): Promise<void> {
    this.policy.reset();
    this.gaveUp = false;
    const found = this.locate();
    if (found.path === undefined) {
      this.executable = undefined;
      this.output.error(found.message);
      this.setState('error', 'dcode not found');
      void this.notifyNotFound(found.message);
      return;
    }
    this.executable = found.path;
    this.output.info(`dcode: starting ${found.path} lsp (found through ${found.source})`);
    let client: LanguageClient;
    try {
      client = new LanguageClient('dcode', 'dcode', this.serverOptions(found.path), this.clientOptions());
    } catch (error) {
      this.output.error(`dcode: ${String(error)}`);
      this.setState('error', 'the client could not be created');
      return;
    }
    this.client = client;
    this.clientListeners.push(client.onDidChangeState((e) => {
      if (this.client !== client) return; // a stopped client's last events say nothing about the new one
      if (e.newState === ClientState.Starting) this.setState('starting');
      else if (e.newState === ClientState.Running) this.setState('loading'); // the model loads after `initialized`
      else this.setState(this.gaveUp ? 'error' : 'stopped', this.gaveUp ? 'the server kept crashing' : undefined);
    }));
    this.setState('starting');
    // Not awaited: activation and the queue go on while the server starts; the client itself reports a failure
    // to start in a notification and the log.
    client.start().catch(() => {
      if (this.client === client) this.setState('error', 'the server did not start');
    });
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const listener of this.clientListeners.splice(0)) listener.dispose();
    if (client === undefined) return;
    try {
      await client.dispose(3000); // stop (shutdown, exit) and drop its commands, so a new client can register them
    } catch (error) {
      this.output.warn(`dcode: stopping the server: ${String(error)}`);
    }
    this.setState('stopped');
  }

  private serverOptions(executable: string): ServerOptions {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
    // No `transport`: with TransportKind.stdio the client would append `--stdio`, which `dcode lsp` refuses;
    // a plain executable already talks over its stdin and stdout.
    return { command: executable, args: ['lsp'], options: { cwd: folder } };
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [{ scheme: 'file', language: 'python' }, { scheme: 'untitled', language: 'python' }],
      outputChannel: this.output,
      initializationOptions: () => this.settings(), // read at each start, restarts after a crash included
      errorHandler: {
        // handled: the log has each error; a server that dies is reported once, by closed() below.
        error: (_error, _message, count) => ({
          action: (count ?? 1) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true,
        }),
        closed: () => {
          if (this.policy.crashed()) {
            return { action: CloseAction.Restart, message: 'dcode: the server stopped; starting it again' };
          }
          this.gaveUp = true;
          void this.notifyGaveUp();
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      middleware: {
        provideInlineCompletionItems: async (document, position, context, token, next) => {
          // Off means not asking at all: the server would generate and then answer nothing.
          if (!vscode.workspace.getConfiguration('dcode', document).get<boolean>('inlineSuggestions.enabled', true)) {
            return undefined;
          }
          const result = await next(document, position, context, token);
          const items = Array.isArray(result) ? result : result?.items;
          // The first item is the one shown; its accept command's title is what running it found.
          const verdict = items?.length ? verdictOf(items[0].command as CommandLike | undefined) : undefined;
          if (verdict) this.verdictEmitter.fire(verdict);
          return result;
        },
      },
    };
  }

  private async notifyNotFound(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(
      `${message} Then run "dcode: Restart server".`, 'Open settings', 'Show log');
    if (choice === 'Open settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'dcode.path');
    else if (choice === 'Show log') this.output.show(true);
  }

  private async notifyGaveUp(): Promise<void> {
    const choice = await vscode.window.showErrorMessage(
      `dcode: the server stopped ${MAX_RESTARTS + 1} times in ${WINDOW_MS / 60_000} minutes and will not be started ` +
      'again. See the log for why.',
      'Show log', 'Restart server');
    if (choice === 'Show log') this.output.show(true);
    else if (choice === 'Restart server') await this.restart();
  }
}
