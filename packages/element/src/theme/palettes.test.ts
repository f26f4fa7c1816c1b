import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DARK_PALETTE,
  LIGHT_PALETTE,
  THEME_COLOR_KEYS,
  cssPropertyFor,
  paletteFor,
  resolvePalette,
} from './palettes.js';

test('every color has a CSS custom property, and the 16 ANSI colors are all there', () => {
  assert.equal(cssPropertyFor('selectionBackground'), '--pod-shell-selection-background');
  assert.equal(cssPropertyFor('brightWhite'), '--pod-shell-bright-white');
  assert.equal(THEME_COLOR_KEYS.length, 22);
  for (const key of THEME_COLOR_KEYS) {
    assert.match(DARK_PALETTE[key], /^#[0-9a-f]{6}$/);
    assert.match(LIGHT_PALETTE[key], /^#[0-9a-f]{6}$/);
  }
});

test('auto follows prefers-color-scheme, custom properties override the palette', () => {
  assert.equal(paletteFor('auto', true), DARK_PALETTE);
  assert.equal(paletteFor('auto', false), LIGHT_PALETTE);
  assert.equal(paletteFor('light', true), LIGHT_PALETTE);
  const props: Record<string, string> = { '--pod-shell-background': ' #000000 ', '--pod-shell-red': 'rgb(255, 0, 0)' };
  const p = resolvePalette(DARK_PALETTE, (name) => props[name] ?? '');
  assert.equal(p.background, '#000000');
  assert.equal(p.red, 'rgb(255, 0, 0)');
  assert.equal(p.green, DARK_PALETTE.green);
});
