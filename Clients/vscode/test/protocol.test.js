'use strict';
// The extension's protocol layer against the real daemon (EXPLAIND, EXPLAIND_MODEL), and its framing and
// shading on their own:  node --test Clients/vscode/test/
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ExplaindClient, FrameParser, ErrorCodes, encodeFrame } = require('../protocol');
const { tokenShades, shadeKey, predictionText } = require('../decorations');

const root = path.resolve(__dirname, '..', '..', '..');
const daemon = process.env.EXPLAIND;
const model = process.env.EXPLAIND_MODEL || path.join(root, 'Tests', 'Fixtures', 'models', 'distilbert-3labels-bf16');

// What an uncased BERT tokenizer makes of a word: lower case, accents stripped.
const folded = (s) => s.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');

test('framing: split, merged and multibyte input', () => {
  const a = encodeFrame({ text: 'Café 😀' }), b = encodeFrame({ id: 2 });
  assert.equal(a.toString('utf8').split('\r\n')[0], `Content-Length: ${Buffer.byteLength('{"text":"Café 😀"}')}`);
  const parser = new FrameParser();
  const all = Buffer.concat([a, b]);
  const seen = [];
  for (let i = 0; i < all.length; i++) seen.push(...parser.push(all.subarray(i, i + 1)));  // byte by byte
  assert.deepEqual(seen, [{ text: 'Café 😀' }, { id: 2 }]);
  assert.deepEqual(new FrameParser().push(Buffer.concat([Buffer.from('Content-Type: x\r\n'), b, a])),
    [{ id: 2 }, { text: 'Café 😀' }]);
  assert.throws(() => new FrameParser().push(Buffer.from('Content-Lenght: 2\r\n\r\n{}')), /Content-Length/);
});

test('shades: one key per token, by sign and relative size', () => {
  assert.equal(shadeKey(1, 1), 'positive-5');
  assert.equal(shadeKey(0.05, 1), 'positive-1');
  assert.equal(shadeKey(-0.5, 1), 'negative-3');
  assert.equal(shadeKey(0, 0), 'positive-1');
  const shades = tokenShades({ tokens: [
    { special: true, start: null, end: null, score: 9 },
    { special: false, start: 0, end: 4, score: 0.5 },
    { special: false, start: 5, end: 7, score: -1 },
    { special: false, start: 8, end: 9, score: 0.45 },
  ] });
  assert.deepEqual([...shades], [['positive-3', [[0, 4], [8, 9]]], ['negative-5', [[5, 7]]]]);
});

test('against explaind', async (t) => {
  assert.ok(daemon, 'set EXPLAIND to the explaind executable');
  assert.ok(fs.existsSync(daemon), `explaind not found at ${daemon}`);
  const client = new ExplaindClient(daemon, ['--model', model]);
  const progress = [];
  client.on('notification', (method, params) => { if (method === '$/progress') progress.push(params); });
  const info = await client.initialize('protocol-test');

  await t.test('initialize negotiates utf-16 and describes the model', () => {
    assert.equal(info.serverInfo.name, 'explaind');
    assert.equal(info.positionEncoding, 'utf-16');
    const m = info.models.find((x) => x.default);
    assert.deepEqual(m.labels, ['political', 'general', 'other']);
    assert.ok(info.capabilities.methods.includes('explain'));
  });

  const text = 'Café 😀 owners voted: naïve explaind reforms';

  await t.test('tokenize offsets are JavaScript string indices (utf-16)', async () => {
    const { tokens, words } = await client.request('tokenize', { text });
    const pieces = tokens.filter((x) => !x.special);
    for (const token of pieces) {
      if (token.text === '[UNK]') continue;
      assert.equal(folded(text.slice(token.start, token.end)), token.text.replace(/^##/, ''), JSON.stringify(token));
    }
    const owners = pieces.find((x) => x.text === 'owners');
    assert.deepEqual([owners.start, owners.end], [8, 14]);  // the emoji counts two code units
    for (const word of words) assert.equal(text.slice(word.start, word.end), word.text);
  });

  await t.test('explain: a score per token, the prediction, the method', async () => {
    const e = await client.request('explain', { text, method: 'vanillaGradient' });
    assert.equal(e.text, text);
    assert.equal(e.method, 'vanillaGradient');
    assert.ok(e.tokens.every((x) => Number.isFinite(x.score)));
    const p = await client.request('predict', { text });
    assert.deepEqual(e.prediction.probabilities, p.probabilities);
    assert.match(predictionText(e), new RegExp(`^${p.label} \\d+% · vanillaGradient$`));
    const spans = [...tokenShades(e).values()].flat().sort((a, b) => a[0] - b[0]);
    assert.deepEqual(spans, e.tokens.filter((x) => !x.special).map((x) => [x.start, x.end]));
  });

  await t.test('errors are typed and the daemon keeps serving', async () => {
    await assert.rejects(client.request('explain', { text, target: 'no-such-label' }),
      (error) => error.code === ErrorCodes.InvalidParams);
    await assert.rejects(client.request('noSuchMethod', {}), (error) => error.code === ErrorCodes.MethodNotFound);
    assert.equal((await client.request('predict', { text: 'still here' })).probabilities.length, 3);
  });

  await t.test('a cancelled integratedGradients request fails with -32800', async () => {
    const long = 'the parliament debated the national budget for many long hours '.repeat(4);
    const request = client.start('explain', { text: long, method: 'integratedGradients',
      options: { steps: 1024, batchSize: 1 }, workDoneToken: 'vscode-ig' });
    const deadline = Date.now() + 10000;
    while (!progress.some((p) => p.token === 'vscode-ig' && p.value.kind === 'report')) {
      assert.ok(Date.now() < deadline, 'no progress from a running integratedGradients');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    client.cancel(request.id);
    await assert.rejects(request.result, (error) => error.code === ErrorCodes.RequestCancelled);
  });

  await t.test('compareMethods, or a clear message from an older daemon', async () => {
    if (!info.capabilities.methods.includes('compareMethods')) {
      await assert.rejects(client.request('compareMethods', { text }),
        (error) => error.code === ErrorCodes.MethodNotFound && /no compareMethods/.test(error.message));
      return;
    }
    const methods = ['vanillaGradient', 'gradientXInput'];
    const result = await client.request('compareMethods', { text, methods });
    assert.deepEqual(result.methods.map((m) => m.method), methods);
    assert.ok(result.methods.every((m) => m.scores.length === result.tokens.length));
    const alone = await client.request('explain', { text, method: 'gradientXInput' });
    assert.deepEqual(result.tokens.map((x) => [x.start, x.end]), alone.tokens.map((x) => [x.start, x.end]));
    assert.equal(typeof result.summary, 'string');
  });

  await t.test('shutdown and exit end the daemon with code 0', async () => {
    assert.equal(await client.shutdown(), 0);
  });
});
