#!/usr/bin/env node
// A `solc` executable for py-solc-x (and Brownie) backed by the npm `solc` package (solcjs).
//
// py-solc-x calls `solc --version` and `solc --standard-json --allow-paths X -`; solcjs cannot be used
// directly because it prints a notice before the JSON and rejects `--allow-paths`. This shim answers
// `--version`, ignores every other flag, reads the standard JSON input on stdin and writes only the
// JSON output on stdout. Imports are resolved from the working directory (the project root), which is
// where the `@openzeppelin=node_modules/@openzeppelin` remapping points.
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

function readImport(importPath) {
  for (const candidate of [importPath, path.resolve(process.cwd(), importPath)]) {
    try {
      return { contents: fs.readFileSync(candidate, "utf8") };
    } catch (_) {
      // try the next candidate
    }
  }
  return { error: `File not found: ${importPath}` };
}

if (process.argv.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
} else {
  const chunks = [];
  process.stdin.on("data", (chunk) => chunks.push(chunk));
  process.stdin.on("end", () => {
    const input = Buffer.concat(chunks).toString("utf8");
    // No process.exit() after the write: piped output would be cut at 64-128 KiB.
    process.stdout.write(solc.compile(input, { import: readImport }));
  });
}
