#!/usr/bin/env node
// The `opentrail` command's entry, in CommonJS so that it runs before anything touches libuv's
// thread pool: loading an ES module already does (its file is read on the pool), and the pool is
// sized once, at its first use. DuckDB runs each statement on that pool, which also does all file
// I/O; with the default 4 threads, two long Lake queries and a slow bind leave one thread for
// everything else. bin/opentrail.js does the rest.
process.env.UV_THREADPOOL_SIZE ??= '16';
void import('./opentrail.js');
