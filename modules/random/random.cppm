// modules/random/random.cppm — primary interface of aotkit.random; only re-exports its partitions.
// Facts: docs/philox.md (Philox, cuRAND device and host streams, PyTorch's generator).
export module aotkit.random;

export import :philox;
export import :batch;
export import :stream;
export import :fill;
export import :generator;
export import :device;
