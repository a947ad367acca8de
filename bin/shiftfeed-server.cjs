#!/usr/bin/env node
/*
 * The `shiftfeed-server` command (package.json `bin`): checks the Node version, then runs the server as
 * `npm start` does in a checkout (src/node/main.ts), with settings from the environment.
 */
"use strict";

require("./node-check.cjs").requireNode("shiftfeed-server");

import(require("./entry.cjs").entry("node/main")).catch(function (error) {
  process.stderr.write("shiftfeed-server: " + (error && error.stack ? error.stack : String(error)) + "\n");
  process.exit(1);
});
