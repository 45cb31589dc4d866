// The whole docs check over one repository: references and links, then the examples.
import { listTextFiles } from "./files.mjs";
import { checkExamples } from "./examples.mjs";
import { checkReferences } from "./references.mjs";

/**
 * @param {string} root absolute path of the repository
 * @returns {Promise<{ problems: import("./references.mjs").Problem[]; checked: string[] }>}
 */
export async function checkRepository(root) {
  const files = listTextFiles(root);
  const problems = checkReferences(root, { files });
  const examples = await checkExamples(
    root,
    files.filter((f) => f.startsWith("docs/") && f.endsWith(".md")),
  );
  return { problems: [...problems, ...examples.problems], checked: examples.checked };
}
