#!/usr/bin/env node
// prebuildify drives node-gyp; this stand-in makes it drive cmake-js instead.
// prebuildify then collects build/Release/*.node into prebuilds/<platform>-<arch>/.
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
execFileSync(process.execPath, [cmakeJs, 'rebuild'], { stdio: 'inherit', cwd: path.resolve(__dirname, '..') });
