// `cem analyze` reads the element's class JSDoc (@event, @csspart, @cssproperty) and its Lit
// properties, and writes dist/custom-elements.json for IDEs, Storybook and framework wrappers.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/test/**', 'src/styles/**'],
  outdir: 'dist',
  litelement: true,
};
