'use strict';
// Which shade each token gets: pure functions, shared by the extension and its tests.

const LEVELS = 5;
// White-to-blue for positive scores, white-to-red for negative ones (signed methods).
const PALETTE = {
  positive: ['#deebf7', '#b3d3e8', '#7fb2d9', '#4a8fc4', '#1f62a6'],
  negative: ['#fde0d2', '#fbb4a0', '#f7836a', '#e0473a', '#b01e24'],
};

function maxAbsScore(tokens) {
  return tokens.reduce((max, t) => (t.special ? max : Math.max(max, Math.abs(t.score))), 0);
}

// 'positive-1' ... 'negative-5': the sign and the shade of `score` relative to the largest one.
function shadeKey(score, maxAbs) {
  const relative = maxAbs > 0 ? Math.abs(score) / maxAbs : 0;
  const level = Math.max(1, Math.min(LEVELS, Math.ceil(relative * LEVELS)));
  return `${score < 0 ? 'negative' : 'positive'}-${level}`;
}

// Map from shade key to the [start, end) offsets (in the explained text) of its tokens.
function tokenShades(explanation) {
  const maxAbs = maxAbsScore(explanation.tokens);
  const shades = new Map();
  for (const token of explanation.tokens) {
    if (token.special || token.start === null || token.end <= token.start) continue;
    const key = shadeKey(token.score, maxAbs);
    if (!shades.has(key)) shades.set(key, []);
    shades.get(key).push([token.start, token.end]);
  }
  return shades;
}

function allShadeKeys() {
  const keys = [];
  for (const sign of Object.keys(PALETTE)) for (let level = 1; level <= LEVELS; level++) keys.push(`${sign}-${level}`);
  return keys;
}

function colour(key) {
  const [sign, level] = key.split('-');
  return PALETTE[sign][Number(level) - 1];
}

function predictionText(explanation) {
  const p = explanation.prediction;
  return `${p.label} ${Math.round(100 * p.probabilities[p.index])}% · ${explanation.method}`;
}

module.exports = { LEVELS, maxAbsScore, shadeKey, tokenShades, allShadeKeys, colour, predictionText };
