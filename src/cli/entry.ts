// Process entry for bin/telepresence, which puts `--` before the user's arguments (see there).
import { main } from './main.js';

const argv = process.argv.slice(2);
void main(argv[0] === '--' ? argv.slice(1) : argv);
