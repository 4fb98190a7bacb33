// ESLint for the browser modules and their tests (npm run lint). Besides the recommended rules,
// it holds the links allowed between the features, as ArchitectureTests does for web/: shared
// knows no feature, the Lab uses only shared, sessions, experiments and exports may use the Lab.
import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

/** @param {string[]} features the folders a feature's modules may not import from */
const forbid = (features, because) => ({
  'no-restricted-imports': [
    'error',
    { patterns: features.map((f) => ({ group: [`../${f}/*`, `../../${f}/*`, `../${f}/**`, `../../${f}/**`], message: because })) },
  ],
});

export default [
  { ignores: ['node_modules/**', 'test/lab/fixtures/**'] },
  js.configs.recommended,
  prettier,
  {
    files: ['js/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
    rules: { 'no-unused-vars': ['error', { args: 'none' }] },
  },
  {
    files: ['test/**/*.js', 'eslint.config.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: { 'no-unused-vars': ['error', { args: 'none' }] },
  },
  { files: ['js/shared/**/*.js'], rules: forbid(['lab', 'session', 'experiment', 'export'], 'shared knows no feature') },
  { files: ['js/lab/**/*.js'], rules: forbid(['session', 'experiment', 'export'], 'the Lab uses only shared') },
  { files: ['js/session/**/*.js'], rules: forbid(['experiment', 'export'], 'sessions may use the Lab and shared only') },
  { files: ['js/experiment/**/*.js'], rules: forbid(['session', 'export'], 'experiments may use the Lab and shared only') },
  { files: ['js/export/**/*.js'], rules: forbid(['session', 'experiment'], 'the offline replay plays a recorded run: no sessions') },
];
