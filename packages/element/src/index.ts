/**
 * `@pod-shell/element`: importing this module registers `<pod-shell>`.
 * The self-contained browser build is `@pod-shell/element/pod-shell.js` (dist/pod-shell.js).
 */
export * from './pod-shell.js';
export { podShellEvent } from './events.js';
export type * from './events.js';
export { resolveBrokerUrl } from './connection/broker-url.js';
export { ACK_EVERY_BYTES } from './flow/output-acks.js';
export {
  DARK_PALETTE,
  LIGHT_PALETTE,
  THEME_COLOR_KEYS,
  cssPropertyFor,
  type Palette,
  type ThemeName,
} from './theme/palettes.js';
