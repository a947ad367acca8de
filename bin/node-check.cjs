/*
 * The launchers' first step: stop with one clear line when this Node is older than the one shiftfeed needs (the
 * `engines.node` of package.json, the one place that number is written), before anything that an old Node cannot
 * parse is loaded. Plain old-style JavaScript on purpose: this file has to run on the Node it refuses.
 */
"use strict";

var fs = require("fs");
var path = require("path");

/** `engines.node` of the package, which must read `>=MAJOR.MINOR.PATCH`. */
function neededNode() {
  var pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
  var range = (pkg.engines && pkg.engines.node) || "";
  var match = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!match)
    throw new Error("package.json engines.node must read >=MAJOR.MINOR.PATCH, not " + JSON.stringify(range));
  return { range: range, version: [Number(match[1]), Number(match[2]), Number(match[3])] };
}

/** Whether version `found` (three numbers) is at least `needed`. */
function atLeast(found, needed) {
  for (var i = 0; i < 3; i++) if (found[i] !== needed[i]) return found[i] > needed[i];
  return true;
}

/** Exits with code 1 and one line on stderr when the running Node is older than the package needs. */
function requireNode(command) {
  var needed = neededNode();
  var found = process.versions.node.split(".").map(Number);
  if (atLeast(found, needed.version)) return;
  process.stderr.write(
    command +
      ": needs Node.js " +
      needed.range +
      ", found Node.js " +
      process.version +
      " (" +
      process.execPath +
      ")\n",
  );
  process.exit(1);
}

module.exports = { requireNode: requireNode, neededNode: neededNode };
