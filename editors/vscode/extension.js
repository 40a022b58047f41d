// The VS Code side of .threat support (doc/editors.md). Highlighting,
// comments and brackets come from package.json alone; this file starts the
// language server, `threat lsp`, over standard input and output. When the
// threat executable is missing, or has no `lsp` command, it says so once
// and formats documents with `threat fmt -` instead, so formatting works
// with any threat that has it.
'use strict';

const childProcess = require('child_process');
const vscode = require('vscode');

// How long the probe `threat lsp --help` may take before it counts as absent.
const PROBE_TIMEOUT_MS = 5000;
// How long `threat fmt -` may take on one document.
const FORMAT_TIMEOUT_MS = 20000;

let client = null;

function threatPath() {
  return vscode.workspace.getConfiguration('threat').get('path', 'threat') || 'threat';
}

// Runs `threat ARGS` with input on standard input; resolves to
// { code, stdout, stderr, error } and never rejects.
function runThreat(args, input, timeout) {
  return new Promise((resolve) => {
    const child = childProcess.execFile(
      threatPath(),
      args,
      { timeout, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, error: error && typeof error.code !== 'number' ? error : null });
      }
    );
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

// `threat lsp --help` exits 0 only where the lsp command exists.
async function languageServerAvailable() {
  const probe = await runThreat(['lsp', '--help'], '', PROBE_TIMEOUT_MS);
  if (probe.error)
    return { available: false, why: `cannot run '${threatPath()}': ${probe.error.message}` };
  if (probe.code !== 0)
    return { available: false, why: `'${threatPath()}' has no lsp command` };
  return { available: true };
}

// Formatting without the server: the whole document through `threat fmt -`.
// On a syntax error fmt prints nothing on standard output; the document is
// left as it is and the first error shows in the status bar.
function registerFmtFormatter(context) {
  const provider = {
    async provideDocumentFormattingEdits(document) {
      const text = document.getText();
      const result = await runThreat(['fmt', '-'], text, FORMAT_TIMEOUT_MS);
      if (result.error) {
        vscode.window.showErrorMessage(`threat fmt: cannot run '${threatPath()}': ${result.error.message}`);
        return [];
      }
      if (result.code !== 0) {
        const first = (result.stderr || '').split('\n')[0];
        vscode.window.setStatusBarMessage(`threat fmt: ${first}`, 10000);
        return [];
      }
      if (result.stdout === text)
        return [];
      const whole = new vscode.Range(document.positionAt(0), document.positionAt(text.length));
      return [vscode.TextEdit.replace(whole, result.stdout)];
    },
  };
  context.subscriptions.push(
    vscode.languages.registerDocumentFormattingEditProvider({ language: 'threat' }, provider)
  );
}

async function activate(context) {
  const useServer = vscode.workspace.getConfiguration('threat').get('languageServer', true);
  const probe = useServer ? await languageServerAvailable() : { available: false };
  if (!probe.available) {
    if (useServer)
      vscode.window.showWarningMessage(
        `Threat: the language server is not available (${probe.why}); ` +
          'highlighting works, and documents are formatted with threat fmt.'
      );
    registerFmtFormatter(context);
    return;
  }
  const { LanguageClient, TransportKind } = require('vscode-languageclient/node');
  const command = threatPath();
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'threat' }, { scheme: 'untitled', language: 'threat' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.threat') },
    // the lowest risk of the findings shown as diagnostics (doc/editors.md)
    initializationOptions: { findings: vscode.workspace.getConfiguration('threat').get('findings', 'medium') },
  };
  client = new LanguageClient('threat', 'Threat language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = null;
    vscode.window.showWarningMessage(`Threat: 'threat lsp' did not start (${error.message}); formatting with threat fmt.`);
    registerFmtFormatter(context);
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
