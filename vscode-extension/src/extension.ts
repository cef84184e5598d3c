// Activation wiring: the output channel, the server, the status bar, the commands and the settings listener.
// Nothing here waits for the server: the model loads in the background after it starts.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { DcodeServer } from './server';
import { StatusBar } from './statusBar';

let server: DcodeServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('dcode', { log: true });
  server = new DcodeServer(output);
  const running = server;
  context.subscriptions.push(
    output,
    new StatusBar(running),
    ...registerCommands(running, output),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // A new executable needs a new process; everything else the running server takes as it is.
      if (e.affectsConfiguration('dcode.path')) void running.restart();
      else if (e.affectsConfiguration('dcode')) void running.sendSettings();
    }),
  );
  void running.start();
}

export function deactivate(): Promise<void> | undefined {
  const stopping = server?.dispose();
  server = undefined;
  return stopping;
}
