/*
 * Which module a launcher runs: in a checkout, the TypeScript sources (Node runs them by type stripping); in an
 * installed package (under node_modules, where Node does not strip types) or without the sources, the JavaScript
 * that `npm run build` compiled to dist/.
 */
"use strict";

var fs = require("fs");
var path = require("path");
var url = require("url");

/** The file URL of `<name>.ts` under src/ in a checkout, else of `<name>.js` under dist/. */
function entry(name) {
  var root = path.join(__dirname, "..");
  var source = path.join(root, "src", name + ".ts");
  var installed = root.split(path.sep).indexOf("node_modules") !== -1;
  return url.pathToFileURL(
    !installed && fs.existsSync(source) ? source : path.join(root, "dist", name + ".js"),
  ).href;
}

module.exports = { entry: entry };
