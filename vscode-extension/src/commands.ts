// The palette commands. Their ids differ from the server's (dcode.solve, dcode.fix, dcode.generateTests,
// dcode.suggestionAccepted), which the language client registers as VS Code commands itself.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { enclosingDef } from './enclosingDef';
import type { DcodeServer } from './server';
import { shellCommand } from './shellCommand';

export function registerCommands(server: DcodeServer, output: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dcode.solveProblemFile', () => solve(server)),
    vscode.commands.registerCommand('dcode.fixWithTests', () => onFile(server, 'dcode.fix', (name) => `dcode: fixing ${name}`)),
    vscode.commands.registerCommand('dcode.generateTestFile',
      () => onFile(server, 'dcode.generateTests', (name) => `dcode: writing tests for ${name}`)),
    vscode.commands.registerCommand('dcode.toggleInlineSuggestions', toggleInlineSuggestions),
    vscode.commands.registerCommand('dcode.showLog', () => output.show(true)),
    vscode.commands.registerCommand('dcode.restartServer', () => server.restart()),
  ];
}

/** The function at the cursor through the server; otherwise the whole file through the CLI, in a terminal. */
async function solve(server: DcodeServer): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor && editor.document.languageId === 'python') {
    const doc = editor.document;
    const line = enclosingDef(doc.getText(), editor.selection.active.line);
    if (line !== undefined) {
      const name = /def\s+(\w+)/.exec(doc.lineAt(line).text)?.[1] ?? 'the function';
      await runOnServer(server, `dcode: solving ${name}`, 'dcode.solve', (client) => [client.code2ProtocolConverter.asUri(doc.uri), line]);
      return;
    }
    if (doc.uri.scheme === 'file') {
      if (doc.isDirty && !(await doc.save())) return; // the CLI reads the file from disk
      solveInTerminal(server, doc.uri);
      return;
    }
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false, filters: { Python: ['py'] }, openLabel: 'Solve', title: 'dcode: the problem file to solve',
  });
  if (picked?.[0]) solveInTerminal(server, picked[0]);
}

function solveInTerminal(server: DcodeServer, file: vscode.Uri): void {
  const executable = server.executable ?? server.locate().path;
  if (executable === undefined) {
    void vscode.window.showErrorMessage('dcode not found: set dcode.path, or run `make demo` in the dcode checkout.',
      'Open settings').then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'dcode.path'));
    return;
  }
  const cwd = vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath ?? path.dirname(file.fsPath);
  const terminal = vscode.window.createTerminal({ name: 'dcode solve', cwd });
  terminal.show();
  // Without --write the CLI only prints the program it found; the file is left as it is.
  terminal.sendText(shellCommand(executable, ['solve', file.fsPath], process.platform));
}

/** Fix and generate-tests work on a saved Python file (the server reads its tests and project from disk). */
async function onFile(server: DcodeServer, command: string, title: (name: string) => string): Promise<void> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || doc.languageId !== 'python') {
    void vscode.window.showWarningMessage('dcode: open a Python file first.');
    return;
  }
  if (doc.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('dcode: save the file first; its tests are found beside it on disk.');
    return;
  }
  await runOnServer(server, title(path.basename(doc.uri.fsPath)), command, (client) => [client.code2ProtocolConverter.asUri(doc.uri)]);
}

type Client = NonNullable<DcodeServer['running']>;

/**
 * A server command behind a cancellable notification; cancelling it cancels the request, which stops the loop.
 * The server shows its own progress and outcome (window/showMessage) and sends its edit as workspace/applyEdit.
 */
async function runOnServer(server: DcodeServer, title: string, command: string,
                           args: (client: Client) => unknown[]): Promise<void> {
  const client = server.running;
  if (!client) {
    const choice = await vscode.window.showWarningMessage('dcode: the server is not running.', 'Restart server', 'Show log');
    if (choice === 'Restart server') await server.restart();
    else if (choice === 'Show log') await vscode.commands.executeCommand('dcode.showLog');
    return;
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (_progress, token) => {
      try {
        await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args(client) }, token);
      } catch (error) {
        if (token.isCancellationRequested) return;
        void vscode.window.showErrorMessage(error instanceof Error ? error.message : `${title}: ${String(error)}`);
      }
    });
}

/** Flips dcode.inlineSuggestions.enabled where it is set (the workspace's setting, else the user's). */
async function toggleInlineSuggestions(): Promise<void> {
  const config = vscode.workspace.getConfiguration('dcode');
  const key = 'inlineSuggestions.enabled';
  const enabled = !config.get<boolean>(key, true);
  const target = config.inspect<boolean>(key)?.workspaceValue !== undefined
    ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config.update(key, enabled, target);
  void vscode.window.showInformationMessage(`dcode: inline suggestions ${enabled ? 'on' : 'off'}`);
}
