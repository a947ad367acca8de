/**
 * The long mode of the crash, fault, race and fuzz tests: `SHIFTFEED_LONG_TESTS=1` (any non-empty value) runs
 * more rounds, more generated cases and more zones than a default run (`npm test`, `npm run test:all`) does.
 */
export const LONG_TESTS = !!process.env["SHIFTFEED_LONG_TESTS"];
