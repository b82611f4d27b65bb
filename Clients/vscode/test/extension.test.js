'use strict';
// extension.js itself against the real daemon, with a small stand-in for the `vscode` module: the
// decorations must land on exactly the tokens' utf-16 ranges, the status bar must show the prediction,
// an edit must cancel the request in flight, and deactivate must shut the daemon down.
const test = require('node:test');
const assert = require('node:assert/strict');
const Module = require('node:module');
const path = require('node:path');
const protocol = require('../protocol');

const root = path.resolve(__dirname, '..', '..', '..');
const daemon = process.env.EXPLAIND;
const model = process.env.EXPLAIND_MODEL || path.join(root, 'Tests', 'Fixtures', 'models', 'distilbert-3labels-bf16');

// ---- a stand-in for the parts of the VS Code API the extension uses ----
class Position { constructor(line, character) { this.line = line; this.character = character; } }
class Range {
  constructor(start, end) { this.start = start; this.end = end; }
  get isEmpty() { return this.start.line === this.end.line && this.start.character === this.end.character; }
}
class Selection extends Range { get active() { return this.end; } }

function textDocument(text) {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const document = {
    version: 1,
    offsetAt: (p) => lineStarts[p.line] + p.character,
    positionAt(offset) {
      let line = 0;
      while (line + 1 < lineStarts.length && lineStarts[line + 1] <= offset) line++;
      return new Position(line, offset - lineStarts[line]);
    },
    getText: (r) => text.slice(document.offsetAt(r.start), document.offsetAt(r.end)),
    lineAt(line) {
      const end = line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : text.length;
      return { range: new Range(new Position(line, 0), new Position(line, end - lineStarts[line])) };
    },
  };
  return document;
}

const fake = {
  settings: {}, commands: new Map(), changeListeners: [], errors: [], decorations: new Map(),
  statusItem: { text: '', tooltip: '', show() {}, hide() {}, dispose() {} },
};
const vscode = {
  Position, Range, Selection, StatusBarAlignment: { Left: 1 },
  window: {
    activeTextEditor: null,
    createTextEditorDecorationType: (options) => ({ options, dispose() {} }),
    createStatusBarItem: () => fake.statusItem,
    showErrorMessage: (m) => fake.errors.push(m),
    showWarningMessage: (m) => fake.errors.push(m),
  },
  commands: { registerCommand: (name, fn) => { fake.commands.set(name, fn); return { dispose() {} }; } },
  workspace: {
    getConfiguration: () => ({ get: (key, fallback) => fake.settings[key] ?? fallback }),
    onDidChangeTextDocument: (fn) => { fake.changeListeners.push(fn); return { dispose() {} }; },
  },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

function editorFor(text, selection) {
  return {
    document: textDocument(text), selection,
    setDecorations: (type, ranges) => fake.decorations.set(type, ranges),
  };
}

// [start, end) offsets of every decorated range, in document order.
function decoratedSpans(editor) {
  return [...fake.decorations.values()].flat()
    .map((r) => [editor.document.offsetAt(r.start), editor.document.offsetAt(r.end)])
    .sort((a, b) => a[0] - b[0]);
}

test('the extension against explaind', async (t) => {
  assert.ok(daemon, 'set EXPLAIND to the explaind executable');
  fake.settings = { command: [daemon, '--model', model], method: 'vanillaGradient' };
  const cancelled = [];
  const cancel = protocol.ExplaindClient.prototype.cancel;
  protocol.ExplaindClient.prototype.cancel = function (id) { cancelled.push(id); return cancel.call(this, id); };
  let exitCode;
  const shutdown = protocol.ExplaindClient.prototype.shutdown;
  protocol.ExplaindClient.prototype.shutdown = async function () { exitCode = await shutdown.call(this); return exitCode; };

  const extension = require('../extension');
  extension.activate({ subscriptions: [] });
  const explainSelection = fake.commands.get('explaind.explainSelection');
  const text = 'The senate voted\nCafé 😀 owners: naïve explaind';

  await t.test('Explain Selection decorates each token of the selection', async () => {
    // the selection starts after "Café " on the second line, so the offsets are shifted and in utf-16
    const start = text.indexOf('😀');
    const editor = editorFor(text, new Selection(new Position(1, start - 17), new Position(1, text.length - 17)));
    vscode.window.activeTextEditor = editor;
    await explainSelection();
    assert.deepEqual(fake.errors, []);
    const selected = text.slice(start);
    const reference = new protocol.ExplaindClient(daemon, ['--model', model]);
    await reference.initialize('extension-test');
    const { tokens } = await reference.request('tokenize', { text: selected });
    await reference.shutdown();
    const expected = tokens.filter((x) => !x.special).map((x) => [start + x.start, start + x.end]);
    assert.deepEqual(decoratedSpans(editor), expected);
    assert.deepEqual(decoratedSpans(editor)[0], [start, start + 2], 'the emoji: two utf-16 code units');
    assert.match(fake.statusItem.text, /^\$\(symbol-misc\) (political|general|other) \d+% · vanillaGradient$/);
  });

  await t.test('an edit cancels the request in flight; nothing is drawn for it', async () => {
    fake.settings.method = 'integratedGradients';
    const editor = editorFor(text, new Selection(new Position(0, 0), new Position(0, 0)));  // empty: the line
    vscode.window.activeTextEditor = editor;
    fake.decorations.clear();
    const running = explainSelection();
    while (fake.statusItem.text.indexOf('sync~spin') < 0) await new Promise((r) => setImmediate(r));
    for (const listener of fake.changeListeners) await listener({ document: editor.document, contentChanges: [{}] });
    await running;
    assert.equal(cancelled.length, 1, 'one $/cancelRequest');
    assert.deepEqual(fake.errors, []);
    assert.deepEqual(decoratedSpans(editor), []);
  });

  await t.test('deactivate shuts the daemon down with exit code 0', async () => {
    await extension.deactivate();
    assert.equal(exitCode, 0);
  });
});
