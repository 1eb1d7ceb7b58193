// modules/pt2/pt2.cppm — aotkit.pt2: torch.export's `.pt2` archives read natively, without libtorch
// (the zip container, the layout of each torch version, the program run by the interpreter). `export` is a C++ keyword, hence the name.
export module aotkit.pt2;

export import :zip;
export import :archive;
export import :program;
export import :weights;
export import :run;
