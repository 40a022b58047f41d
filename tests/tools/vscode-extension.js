// Runs editors/vscode/extension.js in node against a stand-in for the
// `vscode` and `vscode-languageclient/node` modules, with a real threat
// binary: the probe for `threat lsp`, the message when it is missing, the
// `threat fmt -` formatter (a formatted edit; none on a syntax error), and
// the language client started as `threat lsp` over stdio when the command
// exists. Prints `ok`/`FAIL` lines and exits 1 on a failure.
//
//   node tests/tools/vscode-extension.js THREAT_BIN SCRATCH_DIR
'use strict';

const assert = require('assert');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const [threatBin, scratch] = process.argv.slice(2);
const extensionPath = path.resolve(__dirname, '../../editors/vscode/extension.js');
let failed = 0;

// The state one activation leaves in the stand-in vscode module.
function makeVscode(settings) {
  const seen = { warnings: [], errors: [], status: [], formatters: [], clients: [] };
  class Range {
    constructor(start, end) {
      this.start = start;
      this.end = end;
    }
  }
  const vscode = {
    seen,
    Range,
    TextEdit: { replace: (range, newText) => ({ range, newText }) },
    workspace: {
      getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }),
      createFileSystemWatcher: (glob) => ({ glob }),
    },
    window: {
      showWarningMessage: (message) => seen.warnings.push(message),
      showErrorMessage: (message) => seen.errors.push(message),
      setStatusBarMessage: (message) => seen.status.push(message),
    },
    languages: {
      registerDocumentFormattingEditProvider: (selector, provider) => {
        seen.formatters.push({ selector, provider });
        return { dispose() {} };
      },
    },
  };
  const languageClient = {
    TransportKind: { stdio: 0 },
    LanguageClient: class {
      constructor(id, name, serverOptions, clientOptions) {
        Object.assign(this, { id, name, serverOptions, clientOptions, started: false });
        seen.clients.push(this);
      }
      async start() {
        this.started = true;
      }
      async stop() {}
    },
  };
  return { vscode, languageClient };
}

async function activateWith(settings) {
  const { vscode, languageClient } = makeVscode(settings);
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') return languageClient;
    return load.call(this, request, ...rest);
  };
  try {
    delete require.cache[extensionPath];
    const extension = require(extensionPath);
    const context = { subscriptions: [] };
    await extension.activate(context);
    return { seen: vscode.seen, context, extension };
  } finally {
    Module._load = load;
  }
}

function documentOf(text) {
  return { getText: () => text, positionAt: (offset) => ({ offset }) };
}

async function check(name, body) {
  try {
    await body();
    console.log(`ok   ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}`);
    console.log(String(error.stack || error).split('\n').slice(0, 8).map((line) => `  | ${line}`).join('\n'));
  }
}

(async () => {
  // A threat without the lsp command: the real one, with `lsp` taken away.
  const withoutLsp = path.join(scratch, 'threat-without-lsp');
  fs.writeFileSync(withoutLsp, `#!/bin/sh\n[ "$1" = lsp ] && exit 2\nexec '${threatBin}' "$@"\n`, { mode: 0o755 });

  await check('vscode: no lsp command: a warning, then formatting through threat fmt -', async () => {
    const { seen, context } = await activateWith({ path: withoutLsp });
    assert.strictEqual(seen.warnings.length, 1);
    assert.match(seen.warnings[0], /language server is not available \('.*threat-without-lsp' has no lsp command\)/);
    assert.strictEqual(seen.clients.length, 0);
    assert.strictEqual(seen.formatters.length, 1);
    assert.deepStrictEqual(seen.formatters[0].selector, { language: 'threat' });
    assert.strictEqual(context.subscriptions.length, 1);
    const messy = 'flow a->b {tls true;protocol https}  # x\n';
    const edits = await seen.formatters[0].provider.provideDocumentFormattingEdits(documentOf(messy));
    assert.strictEqual(edits.length, 1);
    assert.deepStrictEqual(edits[0].range.start, { offset: 0 });
    assert.deepStrictEqual(edits[0].range.end, { offset: messy.length });
    assert.strictEqual(edits[0].newText, 'flow a -> b { tls true  protocol https }  # x\n');
    const formatted = 'flow a -> b\n';
    assert.deepStrictEqual(await seen.formatters[0].provider.provideDocumentFormattingEdits(documentOf(formatted)), []);
  });

  await check('vscode: threat fmt - on a syntax error: no edit, the error in the status bar', async () => {
    const { seen } = await activateWith({ path: withoutLsp });
    const edits = await seen.formatters[0].provider.provideDocumentFormattingEdits(documentOf('flow a -> { tls true }\n'));
    assert.deepStrictEqual(edits, []);
    assert.deepStrictEqual(seen.status, ["threat fmt: <stdin>:1:11: error: expected an element id, found '{'"]);
    assert.deepStrictEqual(seen.errors, []);
  });

  await check('vscode: a threat that cannot be run: the warning names it', async () => {
    const missing = path.join(scratch, 'no-such-threat');
    const { seen } = await activateWith({ path: missing });
    assert.strictEqual(seen.warnings.length, 1);
    assert.ok(seen.warnings[0].includes(`cannot run '${missing}'`), seen.warnings[0]);
    assert.strictEqual(seen.formatters.length, 1);
    const edits = await seen.formatters[0].provider.provideDocumentFormattingEdits(documentOf('flow a->b\n'));
    assert.deepStrictEqual(edits, []);
    assert.strictEqual(seen.errors.length, 1);
  });

  await check('vscode: languageServer off: no probe message, formatting through threat fmt -', async () => {
    const { seen } = await activateWith({ path: threatBin, languageServer: false });
    assert.deepStrictEqual(seen.warnings, []);
    assert.strictEqual(seen.formatters.length, 1);
  });

  await check('vscode: a threat with lsp: the client runs `threat lsp` over stdio', async () => {
    const fake = path.join(scratch, 'threat-with-lsp');
    fs.writeFileSync(fake, '#!/bin/sh\n[ "$1" = lsp ] && [ "$2" = --help ] && exit 0\nexit 2\n', { mode: 0o755 });
    const { seen, extension } = await activateWith({ path: fake });
    assert.deepStrictEqual(seen.warnings, []);
    assert.strictEqual(seen.formatters.length, 0);
    assert.strictEqual(seen.clients.length, 1);
    const client = seen.clients[0];
    assert.ok(client.started);
    assert.deepStrictEqual(client.serverOptions.run, { command: fake, args: ['lsp'], transport: 0 });
    assert.deepStrictEqual(client.clientOptions.documentSelector[0], { scheme: 'file', language: 'threat' });
    await extension.deactivate();
  });

  await check('vscode: the real threat has lsp: the client runs it over stdio', async () => {
    const { seen, extension } = await activateWith({ path: threatBin });
    assert.deepStrictEqual(seen.warnings, []);
    assert.strictEqual(seen.formatters.length, 0);
    assert.strictEqual(seen.clients.length, 1);
    assert.deepStrictEqual(seen.clients[0].serverOptions.run, { command: threatBin, args: ['lsp'], transport: 0 });
    assert.deepStrictEqual(seen.clients[0].clientOptions.initializationOptions, { findings: 'medium' });
    await extension.deactivate();
  });

  await check('vscode: threat.findings goes to the server as initializationOptions', async () => {
    const { seen, extension } = await activateWith({ path: threatBin, findings: 'high' });
    assert.deepStrictEqual(seen.clients[0].clientOptions.initializationOptions, { findings: 'high' });
    await extension.deactivate();
  });

  await check('vscode: package.json contributes the language, its grammar and configuration', async () => {
    const root = path.dirname(extensionPath);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.strictEqual(manifest.main, './extension.js');
    assert.deepStrictEqual(manifest.contributes.languages[0].extensions, ['.threat']);
    const grammar = manifest.contributes.grammars[0];
    assert.strictEqual(grammar.scopeName, 'source.threat');
    const tm = JSON.parse(fs.readFileSync(path.join(root, grammar.path), 'utf8'));
    assert.strictEqual(tm.scopeName, grammar.scopeName);
    const config = JSON.parse(fs.readFileSync(path.join(root, manifest.contributes.languages[0].configuration), 'utf8'));
    assert.strictEqual(config.comments.lineComment, '#');
    assert.deepStrictEqual(config.brackets, [['{', '}'], ['[', ']']]);
    for (const pair of config.autoClosingPairs) assert.ok(['{', '[', '"'].includes(pair.open));
    new RegExp(config.wordPattern);
    new RegExp(config.indentationRules.increaseIndentPattern);
  });

  process.exit(failed ? 1 : 0);
})();
