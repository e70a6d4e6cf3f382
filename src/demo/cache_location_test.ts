import assert from "node:assert/strict";
import { userCacheDir } from "./cache_location.ts";

Deno.test("userCacheDir() follows each system's convention", () => {
  assert.equal(userCacheDir({ HOME: "/home/ana" }, "linux"), "/home/ana/.cache/pg-mcp");
  assert.equal(
    userCacheDir({ HOME: "/home/ana", XDG_CACHE_HOME: "/var/cache/ana" }, "linux"),
    "/var/cache/ana/pg-mcp",
  );
  assert.equal(
    userCacheDir({ HOME: "/Users/ana", XDG_CACHE_HOME: "/x" }, "darwin"),
    "/Users/ana/Library/Caches/pg-mcp",
  );
  assert.equal(
    userCacheDir(
      { LOCALAPPDATA: "C:\\Users\\ana\\AppData\\Local", HOME: "/c/Users/ana" },
      "windows",
    ),
    "C:\\Users\\ana\\AppData\\Local\\pg-mcp",
  );
});

Deno.test("userCacheDir() is undefined without a usable variable (the demo then runs in memory)", () => {
  assert.equal(userCacheDir({}, "linux"), undefined);
  assert.equal(userCacheDir({ HOME: "" }, "darwin"), undefined);
  assert.equal(userCacheDir({ HOME: "relative/home" }, "linux"), undefined);
  // The XDG spec: a relative XDG_CACHE_HOME is ignored.
  assert.equal(
    userCacheDir({ HOME: "/home/ana", XDG_CACHE_HOME: "cache" }, "linux"),
    "/home/ana/.cache/pg-mcp",
  );
  assert.equal(userCacheDir({ HOME: "/home/ana" }, "windows"), undefined);
});
