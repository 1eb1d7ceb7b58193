// modules/aotkit.cppm — the umbrella module: `import aotkit;` brings in every component.
// Each component is also importable on its own (`import aotkit.runtime;`).
export module aotkit;

export import aotkit.runtime;
export import aotkit.pytree;
export import aotkit.random;
export import aotkit.graph;
export import aotkit.rewrite;
export import aotkit.pt2;
