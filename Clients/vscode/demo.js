'use strict';
// What "Explain Selection" does, without VS Code: explain a text, print the tokens with their utf-16
// ranges, the decorations they would get and the status bar text.
//   node Clients/vscode/demo.js /path/to/explaind /path/to/model "Some text" [method]
const { ExplaindClient } = require('./protocol');
const { tokenShades, predictionText } = require('./decorations');

async function main([daemon, model, text, method = 'vanillaGradient']) {
  const client = new ExplaindClient(daemon, ['--model', model]);
  await client.initialize('explaind-vscode-demo');
  const params = { text, method };
  console.log(`--> explain ${JSON.stringify(params)}`);
  const explanation = await client.request('explain', params);
  console.log('<-- tokens [utf-16 range) text score');
  for (const t of explanation.tokens.filter((x) => !x.special)) {
    console.log(`    ${t.text.padEnd(9)} [${t.start}, ${t.end})`.padEnd(26) +
      `${JSON.stringify(text.slice(t.start, t.end)).padEnd(11)} ${t.score.toFixed(3)}`);
  }
  console.log('decorations:');
  for (const [key, spans] of tokenShades(explanation)) {
    console.log(`    ${key.padEnd(11)} ${spans.map(([a, b]) => text.slice(a, b)).join(', ')}`);
  }
  console.log(`status bar: ${predictionText(explanation)}`);
  process.exitCode = await client.shutdown();
}

main(process.argv.slice(2)).catch((error) => { console.error(`explaind: ${error.message}`); process.exitCode = 1; });
