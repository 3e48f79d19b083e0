// Module hook for mdb_helper.mjs: makes mdb-reader hand Jet 3 text over undecoded.
//
// mdb-reader decodes Jet 3 (Access 97) text as CP1252 and maps the five bytes CP1252
// leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) to U+FFFD, so a GBK or CP949 file cannot
// be recovered afterwards. This hook swaps mdb-reader's internal CP1252 decoder for
// Latin-1, a lossless byte -> U+0000..U+00FF mapping. The Python side turns each
// string back into its bytes (latin-1) and decodes them with the configured code page
// (setting `jet3_charset`, default cp1252). It only touches Jet 3 text: Jet 4 / ACE
// text is UTF-16 and never goes through this decoder.
const TARGET = "/mdb-reader/lib/node/dependencies/iconv-lite/index.js";

export async function load(url, context, nextLoad) {
  if (url.endsWith(TARGET)) {
    return {
      format: "module",
      shortCircuit: true,
      source:
        "export function decodeWindows1252(buffer) { return Buffer.from(buffer).toString('latin1'); }\n",
    };
  }
  return nextLoad(url, context);
}
