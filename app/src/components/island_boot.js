// Starts Vigil's islands (see assets.rs beside this file). Adapted from Leptos
// 0.8.23's island_script.js (MIT). What differs: the page imports the JS
// glue statically (`mod`, loaded and linked while the page is parsed) instead
// of waiting for `requestIdleCallback` and then importing it; it
// instantiates the WASM module that the head's script began compiling while
// the page was parsed; and it marks the body once every island, lazy ones
// included, is hydrated.
((mod, wasm) => {
	const childrenCallbacks = [];
	async function hydrateIsland(el, id) {
		const islandFn = mod[id];
		if (!islandFn) {
			console.warn(`Could not find WASM function for the island ${id}.`);
			return;
		}
		const cb = childrenCallbacks[childrenCallbacks.length - 1];
		if (cb) cb();
		const res = islandFn(el);
		if (res && res.then) await res;
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
		const compiled = window.__vigilWasm ? await window.__vigilWasm : wasm;
		mark("compiled");
		await mod.default({ module_or_path: compiled });
		mark("instantiated");
		mod.hydrate();
		await traverse(document.body);
		mark("hydrated");
		// Tests and benchmarks wait for this: every island of the page is
		// interactive (lazy ones included, whose code loads on the way).
		document.body.setAttribute("data-hydrated", "true");
	})();
})
