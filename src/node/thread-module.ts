/**
 * Where a thread's module is: beside the module that starts it, with that module's own extension. In the checkout
 * Node runs the `.ts` sources by type stripping; the installed package runs the compiled `.js` in `dist/`. A worker
 * thread is started from a URL, which the compiler does not rewrite as it does imports, so the extension is read
 * from the caller at run time.
 */

/** The URL of module `name` (no extension) beside `from` (the caller's `import.meta.url`), in `from`'s extension. */
export function threadModule(name: string, from: string): URL {
  const path = new URL(from).pathname;
  return new URL(`./${name}${path.slice(path.lastIndexOf("."))}`, from);
}
