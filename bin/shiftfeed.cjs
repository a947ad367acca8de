#!/usr/bin/env node
/*
 * The `shiftfeed` command (package.json `bin`): checks the Node version, then runs the CLI (src/cli/main.ts).
 * A launcher rather than the CLI itself so that too old a Node gets one clear line instead of a syntax error.
 */
"use strict";

require("./node-check.cjs").requireNode("shiftfeed");

import(require("./entry.cjs").entry("cli/main")).then(
  function (cli) {
    return cli.runCli(process.argv.slice(2)).then(function (code) {
      process.exit(code);
    });
  },
  function (error) {
    process.stderr.write("shiftfeed: " + (error && error.stack ? error.stack : String(error)) + "\n");
    process.exit(1);
  },
);
