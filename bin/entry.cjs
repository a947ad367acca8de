/*
 * Which module a launcher runs: the TypeScript sources in a checkout (Node runs them by type stripping), else the
 * JavaScript compiled to dist/ by `npm run build` — what an installed package ships, since Node does not strip
 * types under node_modules.
 */
"use strict";

var fs = require("fs");
var path = require("path");
var url = require("url");

/** The file URL of `<name>.ts` under src/ when the sources are here, else of `<name>.js` under dist/. */
function entry(name) {
  var root = path.join(__dirname, "..");
  var source = path.join(root, "src", name + ".ts");
  return url.pathToFileURL(fs.existsSync(source) ? source : path.join(root, "dist", name + ".js")).href;
}

module.exports = { entry: entry };
