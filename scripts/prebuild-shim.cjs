#!/usr/bin/env node
// prebuildify drives node-gyp; this stand-in makes it drive cmake-js instead.
// prebuildify's contract (prebuildify 6): it runs `<shim> rebuild --target=<version> --devdir=<dir>
// --arch=<arch> --release|--debug` through a shell in the package directory, then takes the first *.node
// file in build/Release (build/Debug with --debug), strips it and moves it to prebuilds/<platform>-<arch>/.
// cmake-js writes build/Release/langevin_pc.node, so only the build command differs. With Node-API the
// target version does not matter (the headers come from node-api-headers), so --target and --devdir are
// ignored. LPC_CUDA=OFF in the environment builds a binary without the CUDA kernels. A prebuilt binary
// carries every supported GPU architecture plus PTX (LPC_PREBUILD), not only the building machine's.
'use strict';
const { execFileSync } = require('node:child_process');

const args = process.argv.slice(2);
const cmakeArgs = ['rebuild', '--CDLPC_PREBUILD=ON'];
if (args.includes('--debug')) cmakeArgs.push('--debug');
const arch = args.find((a) => a.startsWith('--arch='));
if (arch) cmakeArgs.push('--arch', arch.slice('--arch='.length));
if (process.env.LPC_CUDA) cmakeArgs.push(`--CDLPC_CUDA=${process.env.LPC_CUDA}`);
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
execFileSync(process.execPath, [cmakeJs, ...cmakeArgs], { stdio: 'inherit', cwd: process.cwd() });
