// examples/torch_rng/main.cpp — reproduce torch.manual_seed(seed); torch.rand(n, device='cuda') on the
// CPU, and on the GPU when one is present (same values, bit for bit).
#include <cstdio>
#include <vector>

import aotkit;

using namespace aotkit::random;

int main() {
  CUDAGenerator gen(0);
  std::vector<float> cpu = torch_rand(gen, 8);
  std::printf("torch.rand(8, device='cuda') after manual_seed(0):");
  for (float v : cpu) std::printf(" %.7f", v);
  std::printf("\n");
  if (cuda_device_count() == 0) {
    std::printf("no GPU here: CPU values only\n");
    return 0;
  }
  std::vector<float> gpu(cpu.size());
  gpu_torch_cuda_fill(gpu, torch_distribution::uniform, 0, 0, cuda_device_props());
  std::printf("GPU agrees: %s\n", gpu == cpu ? "yes" : "no");
  return gpu == cpu ? 0 : 1;
}
