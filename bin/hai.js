#!/usr/bin/env node
// The `hai` command. The library is TypeScript compiled to dist/ by `npm ci` (the `prepare` script).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('hai: error: the library is not built (no dist/cli/cli.js). Run `npm ci` or `npm run build` in ' + path.dirname(__dirname));
  process.exit(1);
}
require(cli).main(process.argv);
