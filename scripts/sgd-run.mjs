// Runs sfdx-git-delta's oclif commands without sf: `sgd source delta ...`
// takes the arguments of `sf sgd source delta ...`. sfdx-git-delta ships as
// an sf plugin with no bin of its own; this is oclif's standard entry point
// for it. It lives beside the package (the test cache, scripts/install-sf.sh)
// or inside it (the image, Dockerfile).
import { execute } from '@oclif/core';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = [join(here, 'node_modules', 'sfdx-git-delta'), here].find((d) => existsSync(join(d, 'oclif.manifest.json')));
if (!pkg) {
  console.error('sgd: sfdx-git-delta is not installed next to ' + here);
  process.exit(1);
}
await execute({ dir: join(pkg, 'package.json'), args: process.argv.slice(2) });
