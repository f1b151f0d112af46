// dependency-cruiser: the layering `npm run lint` checks. src/ is the product; kit/ the test kit
// that test/, scripts/bench/ and scripts/chaos/ share; test/ and scripts/ are leaves.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      comment:
        "Modules form layers: a cycle means two of them are one concern, or one is in the wrong place. " +
        "Type-only imports are erased (verbatimModuleSyntax), so a loop through one is no cycle at run time: " +
        "the state unions and the events that carry them name each other's types (events → site-state → process-slot → events).",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "only-test-imports-test",
      comment: "What is shared with the tests lives in kit/; nothing outside test/ imports from test/.",
      severity: "error",
      from: { pathNot: "^test/" },
      to: { path: "^test/" },
    },
    {
      name: "src-imports-src",
      comment: "The product never depends on its tests, kit or scripts.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(kit|test|scripts)/" },
    },
    {
      name: "kit-imports-src-and-kit",
      comment: "The kit serves tests, bench and chaos alike, so it depends on none of them.",
      severity: "error",
      from: { path: "^kit/" },
      to: { path: "^(test|scripts)/" },
    },
    {
      name: "tests-import-no-scripts",
      comment: "A test needs of a script only what belongs in src/ or kit/.",
      severity: "error",
      from: { path: "^test/" },
      to: { path: "^scripts/" },
    },
    ...[
      ["execa", "^src/process/spawn\\.ts$"],
      ["winston", "^src/logging/"],
      ["chokidar", "^src/watch/"],
      // Read by the loader, written by `export`.
      ["yaml", "^src/(config/load|export/yaml-out)\\.ts$"],
    ].map(([dependency, home]) => ({
      name: `one-import-site-${dependency}`,
      comment: `In src/, only ${home} imports ${dependency} (STYLE.md: one import site per dependency).`,
      severity: "error",
      from: { path: "^src/", pathNot: home },
      to: { path: `^node_modules/${dependency}/` },
    })),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|test/fixtures|test/export/fixtures|scripts/bench/results)/" },
    // Type-only imports count: they shape the layers as much as value imports do.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.test.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
