// Starts Vigil's islands (see assets.rs beside this file). Adapted from Leptos
// 0.8.23's island_script.js (MIT). What differs: the page imports the JS
// glue statically (`mod`, loaded and linked while the page is parsed) instead
// of waiting for `requestIdleCallback` and then importing it; it
// instantiates the WASM module that the head's script began compiling while
// the page was parsed; it marks the body once every island, lazy ones
// included, is hydrated; and an island that throws (a panic, a chunk that did
// not load) does not stop the islands after it.
((mod, wasm) => {
	const childrenCallbacks = [];
	// What failed, for the body's data-hydration-error (tests print it).
	const errors = [];
	const failed = (what, e) => {
		console.error(`Vigil: ${what} failed`, e);
		errors.push(`${what}: ${e && e.message ? e.message : e}`);
	};
	async function hydrateIsland(el, id) {
		const islandFn = mod[id];
		if (!islandFn) {
			failed(`island ${id}`, "no such WASM function");
			return;
		}
		const cb = childrenCallbacks[childrenCallbacks.length - 1];
		if (cb) cb();
		try {
			const res = islandFn(el);
			if (res && res.then) await res;
		} catch (e) {
			failed(`island ${id}`, e);
		}
	}
	async function traverse(node) {
		if (node.nodeType !== Node.ELEMENT_NODE) return;
		const tag = node.tagName.toLowerCase();
		if (tag === "leptos-island") {
			await hydrateIsland(node, node.dataset.component || null);
			for (const child of node.children) await traverse(child);
		} else if (tag === "leptos-children") {
			childrenCallbacks.push(node.$$on_hydrate);
			for (const child of node.children) await traverse(child);
			childrenCallbacks.pop();
		} else {
			for (const child of node.children) await traverse(child);
		}
	}
	// The performance marks let a benchmark see where the time goes
	// (end2end/bench/hydration.mjs prints them).
	const mark = (name) => performance.mark && performance.mark(`vigil:${name}`);
	(async () => {
		mark("glue");
		window.__hydrateIsland = hydrateIsland;
		try {
			// The head's compile can fail (an aborted fetch): then fetch again.
			const compiled = window.__vigilWasm ? await window.__vigilWasm.catch(() => wasm) : wasm;
			mark("compiled");
			await mod.default({ module_or_path: compiled });
			mark("instantiated");
			mod.hydrate();
			await traverse(document.body);
		} catch (e) {
			failed("start", e);
		}
		mark("hydrated");
		// Tests and benchmarks wait for this: "true" once every island of the
		// page is interactive (lazy ones included, whose code loads on the
		// way); "partial" when something failed (the page's forms still work
		// without script), with what failed beside it.
		if (errors.length) document.body.setAttribute("data-hydration-error", errors.join("; "));
		document.body.setAttribute("data-hydrated", errors.length ? "partial" : "true");
	})();
})
