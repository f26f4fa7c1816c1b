export * from './channels.js';
export * from './subprotocols.js';
export * from './frames.js';
export * from './status.js';
export * from './control.js';
export * from './resize.js';
export * from './close-codes.js';
export * from './text.js';
