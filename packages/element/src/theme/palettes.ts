/**
 * The built-in color palettes. Every color can be overridden with the CSS custom property
 * `--pod-shell-<name>` (kebab-case of the key), for example `--pod-shell-bright-blue`.
 */

/** The terminal colors the element exposes, in xterm's `ITheme` naming. */
export const THEME_COLOR_KEYS = [
  'background',
  'foreground',
  'cursor',
  'cursorAccent',
  'selectionBackground',
  'selectionForeground',
  'black',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'white',
  'brightBlack',
  'brightRed',
  'brightGreen',
  'brightYellow',
  'brightBlue',
  'brightMagenta',
  'brightCyan',
  'brightWhite',
] as const;

export type ThemeColorKey = (typeof THEME_COLOR_KEYS)[number];
export type Palette = Readonly<Record<ThemeColorKey, string>>;

/** `selectionBackground` → `--pod-shell-selection-background`. */
export function cssPropertyFor(key: ThemeColorKey): string {
  return `--pod-shell-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export const DARK_PALETTE: Palette = Object.freeze({
  background: '#1e1f22',
  foreground: '#d8dee9',
  cursor: '#d8dee9',
  cursorAccent: '#1e1f22',
  selectionBackground: '#4c566a',
  selectionForeground: '#eceff4',
  black: '#2e3440',
  red: '#e06c75',
  green: '#98c379',
  yellow: '#e5c07b',
  blue: '#61afef',
  magenta: '#c678dd',
  cyan: '#56b6c2',
  white: '#d8dee9',
  brightBlack: '#6b7385',
  brightRed: '#f0828b',
  brightGreen: '#b5e08f',
  brightYellow: '#f2d398',
  brightBlue: '#86c3f7',
  brightMagenta: '#d99ee8',
  brightCyan: '#79d0da',
  brightWhite: '#ffffff',
});

export const LIGHT_PALETTE: Palette = Object.freeze({
  background: '#fbfbfa',
  foreground: '#24292f',
  cursor: '#24292f',
  cursorAccent: '#fbfbfa',
  selectionBackground: '#b6d6fd',
  selectionForeground: '#111111',
  black: '#24292f',
  red: '#c7303b',
  green: '#1f7a33',
  yellow: '#8a6100',
  blue: '#0a5fd1',
  magenta: '#8a3fb8',
  cyan: '#0e7a86',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#e0454f',
  brightGreen: '#2a9a44',
  brightYellow: '#a87a00',
  brightBlue: '#2f7ae5',
  brightMagenta: '#a45fd0',
  brightCyan: '#1798a6',
  brightWhite: '#8c959f',
});

export type ThemeName = 'dark' | 'light' | 'auto';

/** `auto` follows the user's `prefers-color-scheme`; unknown names fall back to dark. */
export function paletteFor(theme: string | undefined, prefersDark: boolean): Palette {
  if (theme === 'light') return LIGHT_PALETTE;
  if (theme === 'auto') return prefersDark ? DARK_PALETTE : LIGHT_PALETTE;
  return DARK_PALETTE;
}

/**
 * Merges a palette with the CSS custom properties set on the host: `readProperty` returns the
 * computed value of a custom property (empty when unset).
 */
export function resolvePalette(base: Palette, readProperty: (name: string) => string): Record<ThemeColorKey, string> {
  const out = { ...base };
  for (const key of THEME_COLOR_KEYS) {
    const value = readProperty(cssPropertyFor(key)).trim();
    if (value !== '') out[key] = value;
  }
  return out;
}
