/**
 * Writing YAML for `export kubernetes`. The one place outside `config/load.ts` that imports
 * `yaml` (STYLE: one import site per dependency and purpose — `load.ts` reads, this writes).
 *
 * Documents are written in YAML 1.1 style: kubectl's parser is YAML 1.1, where an unquoted `yes`,
 * `on` or `n` is a boolean, so a ConfigMap value `DEBUG: yes` must come out quoted or the API
 * server refuses a boolean where it wants a string.
 */
import { Document } from "yaml";

export interface YamlDoc {
  readonly comment: readonly string[];
  readonly object: unknown;
}

export function toYamlStream(docs: readonly YamlDoc[]): string {
  return docs
    .map((doc) => {
      // No anchors/aliases for objects the exporter happens to share (labels, probe handlers).
      const out = new Document(doc.object, { version: "1.1", aliasDuplicateObjects: false });
      if (doc.comment.length > 0) out.commentBefore = doc.comment.map((line) => ` ${line}`).join("\n");
      return out.toString({ lineWidth: 0 });
    })
    .join("---\n");
}

/**
 * One value as YAML on a single line (`[node, server.js]`, `{initial: 1s, max: 30s}`, `"8000"`),
 * for writers that lay out the document themselves (`import` writes comments between keys).
 * Written in YAML 1.1 style, so `yes`/`on` come out quoted and read back as strings anywhere.
 */
export function toYamlFlow(value: unknown): string {
  // A line break inside a value would split the line; JSON is valid YAML and escapes it.
  if (JSON.stringify(value).includes("\\n")) return JSON.stringify(value);
  return new Document(value, { version: "1.1" })
    .toString({ lineWidth: 0, collectionStyle: "flow", flowCollectionPadding: false })
    .trimEnd();
}
